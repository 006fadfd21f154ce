import { existsSync, readFileSync } from "node:fs";
import Database from "better-sqlite3";
import type { ChainedEvent, EventStore } from "../port.js";
import { openChainReader } from "../sqlite/chainReader.js";
import { GENESIS_HASH, globalHashOf, streamHashOf } from "./hashing.js";
import { asSignedHead, HEAD_SIGNED, HEADS_STREAM, type SignedHead, verifyHead } from "./signedHead.js";

export type BreakKind = "edited" | "missing" | "reordered" | "inserted" | "truncated";

export interface ChainBreak {
  /** The first position where the log is not what its chain says. */
  position: number;
  streamId?: string | undefined;
  kind: BreakKind;
  detail: string;
}

export interface VerifyProgress {
  checked: number;
  position: number;
  /** The log's last position when the walk started, for a progress bar. */
  head: number;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  /** Position and global hash of the last event checked (-1 and genesis for an empty log). */
  lastPosition: number;
  lastHash: string;
  /** Signed heads found in the log (and the trusted one, if given) whose signature and hash were checked. */
  headsChecked: number;
  firstBreak?: ChainBreak;
}

/** `kind` tells whether positions are dense (embedded: every position up to the head is an event). */
export type ChainSource = Pick<EventStore, "readChain" | "headPosition" | "kind"> & {
  /**
   * The stream's latest revision before `position`, with its stream link (the embedded log answers from its
   * index). With it, a walk keeps only the most recent streams' links in memory and asks for the others.
   */
  streamLinkBefore?(streamId: string, position: number): Promise<StreamLink | undefined>;
};

export interface StreamLink {
  revision: number;
  hash: string;
}

export interface VerifyOptions {
  onProgress?: (progress: VerifyProgress) => void;
  signal?: AbortSignal;
  /** A head the auditor holds; a log that ends before it, or differs at it, is reported. */
  trustedHead?: SignedHead;
  /** Only signed heads with this public key (SPKI PEM) count as signed by the service. */
  publicKey?: string;
  /**
   * Verify from here (exclusive) instead of from the start: the first event's stored `globalPrev` is taken on
   * trust, and so is the stream link of a stream's first event seen. The service checks the tail first this way.
   */
  after?: number;
  pageSize?: number;
  /**
   * How many streams' latest links a walk keeps in memory (default 100,000) when the source can answer the
   * others (`streamLinkBefore`): a log has millions of streams, and the walk's memory must not grow with them.
   */
  streamCacheSize?: number;
  /**
   * Awaited between pages (default: one turn of the event loop). A service verifying in the background paces
   * itself with it, so that its requests never wait behind a long stretch of hashing.
   */
  pace?: () => Promise<void>;
}

const PAGE = 1_000;
const STREAM_CACHE_SIZE = 100_000;

/** The sidecar file where the service keeps the latest signed head beside an embedded log. */
export const signedHeadFile = (databasePath: string): string => `${databasePath}.head.json`;

export function readSignedHeadFile(path: string): SignedHead | undefined {
  if (!existsSync(path)) return undefined;
  const head = asSignedHead(JSON.parse(readFileSync(path, "utf8")) as unknown);
  if (!head) throw new Error(`${path} is not a signed head`);
  return head;
}

/**
 * The operator's entry point (`pnpm mtc verify`): walks the whole log in pages and names the first break.
 * With a path, the embedded file is opened, its sidecar signed head is trusted unless one is given, and closed.
 */
export async function verifyLog(
  options: ({ store: ChainSource } | { path: string }) & VerifyOptions,
): Promise<VerifyResult> {
  if ("store" in options) return walkChain(options.store, options);
  if (!existsSync(options.path)) throw new Error(`no event log at ${options.path}`);
  assertChained(options.path);
  const store = openChainReader(options.path);
  try {
    return await walkChain(store, {
      ...options,
      trustedHead: options.trustedHead ?? readSignedHeadFile(signedHeadFile(options.path)),
    });
  } finally {
    store.close();
  }
}

/** Opening a file without the chain would compute one over whatever it holds now: refuse instead. */
function assertChained(path: string): void {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const columns = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('events')").all();
    if (!columns.some((column) => column.name === "global_hash"))
      throw new Error(
        `the event log at ${path} has no hash chain yet: the service adds it when it opens the file`,
      );
  } finally {
    db.close();
  }
}

interface Problem {
  linkOk: boolean;
  selfOk: boolean;
  stream?: ChainBreak;
}

/**
 * What the walk has established so far. Memory: the latest link of at most `streamCacheSize` streams when the
 * source can look the others up, else of every stream seen.
 */
export interface WalkState {
  checked: number;
  lastPosition: number;
  lastStreamId: string | undefined;
  /** Global hash of the last event and of the one before it. */
  hash: string;
  hashBefore: string | undefined;
  /** Most recently seen last (a Map keeps insertion order): the first entries are evicted first. */
  streams: Map<string, StreamLink>;
  /** Streams first seen mid-stream in a partial walk: their first link is taken on trust. */
  partial: boolean;
  latestHead: SignedHead | undefined;
  headsChecked: number;
}

export function initialWalkState(): WalkState {
  return {
    checked: 0,
    lastPosition: -1,
    lastStreamId: undefined,
    hash: GENESIS_HASH,
    hashBefore: undefined,
    streams: new Map(),
    partial: false,
    latestHead: undefined,
    headsChecked: 0,
  };
}

async function walkChain(store: ChainSource, options: VerifyOptions): Promise<VerifyResult> {
  const head = await store.headPosition();
  const state = initialWalkState();
  const firstBreak = await continueWalk(store, state, { ...options, head });
  const result = (brk: ChainBreak | undefined): VerifyResult => ({
    ok: brk === undefined,
    checked: state.checked,
    lastPosition: state.lastPosition,
    lastHash: state.hash,
    headsChecked: state.headsChecked,
    ...(brk ? { firstBreak: brk } : {}),
  });
  if (firstBreak) return result(firstBreak);
  // Heads found in the log were checked on the way; only one held outside it can reveal a cut tail.
  const trusted = options.trustedHead;
  return result(trusted && (await checkHeadAgainstLog(store, state, trusted, options.publicKey)));
}

/**
 * Verifies the log after `state.lastPosition` up to its current end, advancing `state`; the service calls it
 * again as events arrive. Returns the first break, if any.
 */
export async function continueWalk(
  store: ChainSource,
  state: WalkState,
  options: VerifyOptions & { head?: number } = {},
): Promise<ChainBreak | undefined> {
  const pageSize = options.pageSize ?? PAGE;
  const evictAbove = store.streamLinkBefore ? (options.streamCacheSize ?? STREAM_CACHE_SIZE) : Infinity;
  let after = state.checked === 0 && options.after !== undefined ? options.after : state.lastPosition;
  if (state.checked === 0 && options.after !== undefined && options.after >= 0) state.partial = true;
  for (;;) {
    options.signal?.throwIfAborted();
    const page = await store.readChain({ after, maxCount: pageSize });
    for (const [index, event] of page.entries()) {
      if (state.partial && state.checked === 0) state.hash = event.globalPrev ?? GENESIS_HASH;
      const known = await streamLink(store, state, event);
      const problem = checkEvent(state, event, known);
      if (problem) return classify(store, state, event, page[index + 1], problem, pageSize);
      advance(state, event, evictAbove);
      if (event.streamId === HEADS_STREAM && event.type === HEAD_SIGNED) {
        const brk = await checkHeadEvent(store, state, event, options.publicKey);
        if (brk) return brk;
      }
    }
    const last = page.at(-1);
    if (last) after = last.position;
    options.onProgress?.({ checked: state.checked, position: after, head: options.head ?? after });
    if (page.length < pageSize) return undefined;
    // The embedded store answers synchronously: let a service's requests in between pages.
    await (options.pace?.() ?? new Promise((resolve) => setImmediate(resolve)));
  }
}

/** The stream's latest link before this event: from memory, else from the source when it can answer. */
async function streamLink(
  store: ChainSource,
  state: WalkState,
  event: ChainedEvent,
): Promise<StreamLink | undefined> {
  const cached = state.streams.get(event.streamId);
  if (cached || event.revision === 0 || !store.streamLinkBefore) return cached;
  return store.streamLinkBefore(event.streamId, event.position);
}

function checkEvent(
  state: WalkState,
  event: ChainedEvent,
  known: StreamLink | undefined,
): Problem | undefined {
  const { globalPrev, globalHash, streamHash } = event;
  const selfOk =
    globalPrev !== null &&
    globalHash !== null &&
    streamHash !== null &&
    globalHashOf(globalPrev, event, streamHash) === globalHash;
  const linkOk = globalPrev === state.hash;
  const stream = selfOk && linkOk ? checkStream(state, event, known) : undefined;
  return selfOk && linkOk && !stream ? undefined : { linkOk, selfOk, stream };
}

function checkStream(
  state: WalkState,
  event: ChainedEvent,
  known: StreamLink | undefined,
): ChainBreak | undefined {
  const at = { position: event.position, streamId: event.streamId };
  if (!known && state.partial && event.revision > 0) return undefined;
  const expected = known ? known.revision + 1 : 0;
  if (event.revision > expected)
    return { ...at, kind: "missing", detail: `revisions ${expected}..${event.revision - 1} are missing` };
  if (event.revision < expected)
    return { ...at, kind: "reordered", detail: `revision ${event.revision} stands after ${expected - 1}` };
  if (streamHashOf(known?.hash ?? GENESIS_HASH, event) !== event.streamHash)
    return { ...at, kind: "edited", detail: `its stream link at revision ${event.revision} does not match` };
  return undefined;
}

function advance(state: WalkState, event: ChainedEvent, evictAbove: number): void {
  state.checked++;
  state.hashBefore = state.hash;
  state.hash = event.globalHash as string;
  state.lastPosition = event.position;
  state.lastStreamId = event.streamId;
  // Re-inserted so that the most recently seen streams stay and the oldest are evicted.
  state.streams.delete(event.streamId);
  state.streams.set(event.streamId, { revision: event.revision, hash: event.streamHash as string });
  if (state.streams.size > evictAbove) {
    const oldest = state.streams.keys().next().value;
    if (oldest !== undefined) state.streams.delete(oldest);
  }
}

/** Names what happened at the first event that does not fit, looking around it as far as needed. */
async function classify(
  store: ChainSource,
  state: WalkState,
  event: ChainedEvent,
  nextInPage: ChainedEvent | undefined,
  { linkOk, selfOk, stream }: Problem,
  pageSize: number,
): Promise<ChainBreak> {
  const at = { position: event.position, streamId: event.streamId };
  if (stream) return stream;
  const hasPredecessor = state.checked > 0;
  if (!linkOk && hasPredecessor && event.globalPrev === state.hashBefore)
    return {
      position: state.lastPosition,
      streamId: state.lastStreamId,
      kind: "inserted",
      detail: `the event at ${state.lastPosition} is not in the chain: the next one links past it`,
    };
  if (!linkOk && event.globalPrev !== null) {
    const linked = await findByHash(store, event.position, event.globalPrev, pageSize);
    if (linked !== undefined)
      return {
        ...at,
        kind: "reordered",
        detail: `it links to the event now at ${linked}, which should stand before it`,
      };
  }
  const next = nextInPage ?? (await store.readChain({ after: event.position, maxCount: 1 }))[0];
  if (next && next.globalPrev === state.hash)
    return {
      ...at,
      kind: "inserted",
      detail: "the chain runs past this event: the next one links to its predecessor",
    };
  if (linkOk) return { ...at, kind: "edited", detail: "its content no longer matches its hash" };
  // Embedded positions are dense: no gap before this event means its predecessor was rewritten, hash and all.
  if (selfOk && store.kind === "embedded" && event.position === state.lastPosition + 1)
    return {
      position: state.lastPosition,
      streamId: state.lastStreamId,
      kind: "edited",
      detail: `the event at ${state.lastPosition} was rewritten with a new hash: the next one links to its old hash`,
    };
  if (selfOk)
    return {
      ...at,
      kind: "missing",
      detail: `the event(s) it links to, after position ${state.lastPosition}, are no longer in the log`,
    };
  return { ...at, kind: "edited", detail: "neither its content nor its link matches the chain" };
}

/** Streams forward from `after` for the event whose global hash is `hash`; memory stays one page. */
async function findByHash(
  store: ChainSource,
  after: number,
  hash: string,
  pageSize: number,
): Promise<number | undefined> {
  let cursor = after;
  for (;;) {
    const page = await store.readChain({ after: cursor, maxCount: pageSize });
    const found = page.find((event) => event.globalHash === hash);
    if (found) return found.position;
    const last = page.at(-1);
    if (!last || page.length < pageSize) return undefined;
    cursor = last.position;
  }
}

async function checkHeadEvent(
  store: ChainSource,
  state: WalkState,
  event: ChainedEvent,
  publicKey: string | undefined,
): Promise<ChainBreak | undefined> {
  const head = asSignedHead(event.data);
  const at = { position: event.position, streamId: event.streamId };
  if (!head || !verifyHead(head) || (publicKey !== undefined && head.publicKey !== publicKey))
    return { ...at, kind: "edited", detail: "a signed head whose signature does not verify" };
  const brk = await checkHeadAgainstLog(store, state, head, publicKey);
  if (brk) return brk;
  if (!state.latestHead || head.position >= state.latestHead.position) state.latestHead = head;
  return undefined;
}

/** The log must reach a signed head and hold the signed hash at its position. */
export async function checkHeadAgainstLog(
  store: ChainSource,
  state: WalkState,
  head: SignedHead,
  publicKey: string | undefined,
): Promise<ChainBreak | undefined> {
  if (!verifyHead(head) || (publicKey !== undefined && head.publicKey !== publicKey))
    return {
      position: head.position,
      kind: "edited",
      detail: "the trusted head's signature does not verify",
    };
  state.headsChecked++;
  if (head.position > state.lastPosition)
    return {
      position: head.position,
      kind: "truncated",
      detail: `the log ends at ${state.lastPosition} but a head was signed at ${head.position} (${head.signedAt})`,
    };
  const [atHead] = await store.readChain({ after: head.position - 1, maxCount: 1 });
  if (!atHead || atHead.position !== head.position)
    return {
      position: head.position,
      kind: "missing",
      detail: "the event a signed head vouches for is gone",
    };
  if (atHead.globalHash !== head.globalHash)
    return {
      position: head.position,
      streamId: atHead.streamId,
      kind: "edited",
      detail: `the chain up to here was rewritten: it differs from the head signed ${head.signedAt}`,
    };
  return undefined;
}
