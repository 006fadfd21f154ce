import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { WebSocket, WebSocketServer } from "ws";
import type { Principal } from "../auth/roles.js";
import { type ItemPatch, patchOf } from "./itemPatch.js";
import {
  declineLimitedWindows,
  deflateSenderOf,
  SHARED_DEFLATE,
  type SharedMessage,
  sendShared,
  sharedMessage,
  sizeOn,
} from "./sharedMessage.js";

/**
 * One change of the board: the item as it is after the event at `position`, or null when it left the board.
 * What it was before is the feed's own business: it keeps the version it last sent (`latest`).
 */
export interface BoardChange<Item> {
  position: number;
  itemId: string;
  item: Item | null;
}

export interface BoardSource<Item> {
  /** The board now and the log position it reflects. */
  snapshot(): { position: number; items: Item[] };
  /** Changes in log order, each once, possibly many in one turn of the event loop. Returns the unsubscribe. */
  subscribe(listener: (change: BoardChange<Item>) => void): () => void;
}

/** Who a token stands for, and until when (epoch ms; the feed closes the connection then). */
export interface FeedIdentity {
  principal: Principal;
  expiresAt: number | undefined;
}

export interface BoardFeedOptions<Item extends object> {
  server: Server;
  path: string;
  source: BoardSource<Item>;
  /** The id of an item of the snapshot (a change carries its own). */
  idOf(item: Item): string;
  /** The item as this principal may see it (scoped and masked), or null when it does not concern them. */
  visibleTo(principal: Principal, item: Item): Item | null;
  /** Principals with the same key see the same view, so a change is serialised once per key, not per client. */
  viewKey(principal: Principal): string;
  /** Throws when the token is not valid. */
  authenticate(token: string): FeedIdentity;
  /**
   * Awaited before the upgrade completes, with the items the board shows this principal now (scoped and masked,
   * what its snapshot will carry); when it fails the connection is refused with 503 (the access log).
   */
  beforeOpen?(principal: Principal, request: IncomingMessage, items: readonly Item[]): Promise<void>;
  /**
   * Called before changes go out, once per user and address of a view, with the items of the changes that view
   * sees (scoped and masked): the access record of what the live feed is about to show (issue 8 §6). Returns
   * undefined when there is nothing to record, else the write, which the view's changes wait for. When it
   * fails, that user's clients at that address are closed with 1013 (try again later) and get nothing of the
   * changes; the view's other readers are served, and other views never wait.
   */
  beforeDeliver?(principal: Principal, from: string, items: readonly Item[]): Promise<void> | undefined;
  /** Unsent bytes one client may hold; a client that needs more is sent no more changes (see `stallMs`). */
  maxBufferedBytes: number;
  /** Open connections one user may hold; one more is refused with 429. */
  maxConnectionsPerUser: number;
  /** Open connections in total; one more is refused with 503. */
  maxConnections: number;
  /** How many recent changes are kept to answer a reconnecting (or lagging) client exactly. */
  replayBufferSize?: number;
  heartbeatMs?: number;
  /** A client whose unsent data has not drained for this long is closed with 4408 (resume with `?after=`). */
  stallMs?: number;
  /** Shortest time between two broadcasts: changes arriving meanwhile go out together, once per view. */
  flushIntervalMs?: number;
  /** How often open connections are checked for expired tokens. */
  expirySweepMs?: number;
  /** The service's clock (epoch ms), against which token expiry is checked. */
  now?: () => number;
  log: Logger;
}

export const BOARD_PROTOCOL = "mtc.board.v1";
/**
 * v2: the same messages, except that a change to an item the client already holds carries only the fields that
 * changed (`patch`, `unset`; itemPatch.ts) instead of the whole item. Offered first by the web pages; a client
 * that offers only v1 gets whole items.
 */
export const BOARD_PROTOCOL_PATCHES = "mtc.board.v2";
const BEARER_PREFIX = "bearer.";

/** Close codes of the feed (4000–4999 are for applications, RFC 6455 §7.4.2). */
export const CLOSE_TOKEN_EXPIRED = 4401;
export const CLOSE_TOO_SLOW = 4408;
/** RFC 6455 §7.4.1 "try again later": the access record of a delivery could not be written. */
export const CLOSE_TRY_AGAIN_LATER = 1013;

const RETRY_AFTER_PER_USER_S = 10;
const RETRY_AFTER_FULL_S = 30;
const DRAIN_POLL_MS = 25;
const TOO_SLOW_REASON = "too far behind; reconnect with ?after=<last position>";

/** What a client receives about one item (the whole item, null when it left, or a patch of the one it holds). */
type WireChange<Item> = { position: number; itemId: string } & ({ item: Item | null } | ItemPatch);

/** One change as a view sees it, serialised once. */
interface Entry {
  seq: number;
  position: number;
  json: string;
  /** UTF-8 length of `json` (names and summaries are Chinese: three bytes a character). */
  bytes: number;
}

/** One message ready to send, and the `seq` a client has reached once it has been sent. */
interface Chunk {
  seq: number;
  message: SharedMessage;
}

interface Sequenced<Item> extends BoardChange<Item> {
  /** Arrival order: alarm ticks repeat a log position, so positions alone do not order the feed. */
  seq: number;
  /**
   * The item as the feed last told it (see `latest`), null when it had none: who saw it is told when it leaves
   * their view, and it is the base of the change's patch.
   */
  previous: Item | null;
}

/**
 * The live board over WebSocket (protocol `mtc.board.v1`, documented in docs/asyncapi.yaml): a snapshot (or
 * exactly the changes a reconnecting client missed), then every change in log order with its position.
 * Clients authenticate in the upgrade request: `Authorization: Bearer` or, from browsers, the subprotocol
 * `bearer.<token>` beside `mtc.board.v1`.
 *
 * Under bursts memory stays bounded by configuration, not by the number of changes or clients: changes that
 * arrive together are serialised once per view into one Buffer that every client of the view shares; a client
 * whose socket has not taken what it was sent gets nothing more until it has, and then one message with the
 * latest state of each item that changed meanwhile (only the latest state matters on a board); a client that
 * does not drain within `stallMs` is closed with 4408 and resumes with `?after=`. A client that negotiated
 * permessage-deflate (browsers do) gets each shared message compressed once for all (see sharedMessage.ts).
 */
export const attachBoardFeed = <Item extends object>(options: BoardFeedOptions<Item>) => {
  const { source, log } = options;
  const replayLimit = options.replayBufferSize ?? 10_000;
  const stallMs = options.stallMs ?? 30_000;
  const flushIntervalMs = options.flushIntervalMs ?? 20;
  const now = options.now ?? Date.now;
  // A client holding more than this is busy: it gets no more until it has drained below half of it.
  const busyBytes = Math.max(1024, Math.min(256 * 1024, Math.floor(options.maxBufferedBytes / 4)));
  // Messages are cut at half of that, so that a client with room below the busy mark can take one more.
  const chunkBytes = Math.max(512, Math.floor(busyBytes / 2));

  let seq = 0;
  const replay: Sequenced<Item>[] = [];
  // Each item as the feed last told it. A client that has had every change in order since its snapshot holds
  // exactly these, so they are the snapshot new clients get and the base of every patch. Bounded by the board.
  const latest = new Map<string, Item>();
  const initial = source.snapshot();
  for (const item of initial.items) latest.set(options.idOf(item), item);
  // Every change after `floor` is in `replay`: a client that saw a change after `floor` can be answered exactly.
  let floor = initial.position;
  let position = floor;
  // This feed's life (a process, an instance): a v2 client resumes exactly only where it was told `latest` by the
  // same one. Another instance, or this one after a restart, may hold other alarm states than the client does.
  const epoch = randomUUID();

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 4 * 1024,
    perMessageDeflate: SHARED_DEFLATE,
    handleProtocols: (protocols) =>
      protocols.has(BOARD_PROTOCOL_PATCHES)
        ? BOARD_PROTOCOL_PATCHES
        : protocols.has(BOARD_PROTOCOL)
          ? BOARD_PROTOCOL
          : false,
  });

  interface View {
    key: string;
    principal: Principal;
    /** Its clients speak v2: changes to items they hold go out as patches. */
    patches: boolean;
    clients: Set<Client>;
    /** Changes up to this `seq` have their access records written for this view's readers: they may go out. */
    recordedSeq: number;
    /** Records of this view are being written: its next changes wait for them, so they go out in order. */
    recording: boolean;
  }
  interface Client {
    socket: WebSocket;
    principal: Principal;
    view: View;
    expiresAt: number | undefined;
    /** How this connection takes compressed messages, or undefined when it takes them plain. */
    deflate: ReturnType<typeof deflateSenderOf>;
    /** The client's address as the server saw it (for the access record). */
    from: string;
    /** The last change (by `seq`) this client has been sent or was covered by its snapshot. */
    seq: number;
    /** Since when (performance.now()) this client has been behind, or undefined while it keeps up. */
    behindSince: number | undefined;
  }
  const views = new Map<string, View>();
  const clients = new Set<Client>();
  const connectionsPerUser = new Map<string, number>();
  let open = 0;

  const encode = (message: unknown): SharedMessage => sharedMessage(JSON.stringify(message));
  const send = (client: Client, message: SharedMessage): void =>
    sendShared(client.socket, client.deflate, message);
  const sizeFor = (client: Client, message: SharedMessage): number => sizeOn(client.deflate, message);

  /**
   * The change as this view is told it. `inOrder`: the clients have had every change before this one, so they
   * hold `change.previous` as the view sees it and a v2 view gets a patch of it (nothing when the view sees no
   * difference). Otherwise (coalesced, resumed) they get the whole item.
   */
  const wireChange = (
    view: View,
    change: Sequenced<Item>,
    inOrder: boolean,
  ): WireChange<Item> | undefined => {
    const { principal } = view;
    const item = change.item === null ? null : options.visibleTo(principal, change.item);
    const previous = change.previous === null ? null : options.visibleTo(principal, change.previous);
    if (item === null)
      return previous !== null ? { position: change.position, itemId: change.itemId, item } : undefined;
    if (view.patches && inOrder && previous !== null) {
      const patch = patchOf(previous, item);
      return patch && { position: change.position, itemId: change.itemId, ...patch };
    }
    return { position: change.position, itemId: change.itemId, item };
  };

  /** The changes of `list` this view is told about, each serialised once, with the `seq` it brings a client to. */
  const entriesFor = (view: View, list: readonly Sequenced<Item>[], inOrder: boolean): Entry[] =>
    list.flatMap((change) => {
      const wire = wireChange(view, change, inOrder);
      if (!wire) return [];
      const json = JSON.stringify(wire);
      return [{ seq: change.seq, position: wire.position, json, bytes: Buffer.byteLength(json) }];
    });

  /**
   * Entries cut into messages of at most `chunkBytes` (a lone larger entry is a message of its own): a single
   * `change`, or `changes` for several. A client is sent messages while its buffer has room and resumes after
   * the last one it was sent; every client of the view shares the same Buffers.
   */
  const chunksOf = (entries: readonly Entry[], coalesced: boolean): Chunk[] => {
    const chunks: Chunk[] = [];
    let start = 0;
    while (start < entries.length) {
      let end = start + 1;
      let bytes = (entries[start] as Entry).bytes;
      while (end < entries.length && bytes + (entries[end] as Entry).bytes < chunkBytes) {
        bytes += (entries[end] as Entry).bytes + 1;
        end++;
      }
      const part = entries.slice(start, end);
      const last = part.at(-1) as Entry;
      const text =
        part.length === 1 && !coalesced
          ? `{"type":"change",${last.json.slice(1)}`
          : `{"type":"changes","position":${last.position},${coalesced ? '"coalesced":true,' : ""}"changes":[${part.map((e) => e.json).join(",")}]}`;
      chunks.push({ seq: last.seq, message: sharedMessage(text) });
      start = end;
    }
    return chunks;
  };

  const fits = (client: Client, bytes: number): boolean =>
    client.socket.bufferedAmount <= busyBytes &&
    client.socket.bufferedAmount + bytes <= options.maxBufferedBytes;

  const detach = (client: Client): void => {
    if (!clients.delete(client)) return;
    client.view.clients.delete(client);
    if (client.view.clients.size === 0) views.delete(client.view.key);
  };

  const closeClient = (client: Client, code: number, reason: string): void => {
    detach(client);
    client.socket.close(code, reason);
  };

  /**
   * Sends the chunks in order while the client's buffer has room, then brings it to `toSeq`; a chunk that does
   * not fit leaves the client behind, at the last chunk it was sent.
   */
  const deliver = (client: Client, chunks: readonly Chunk[], toSeq: number, at: number): void => {
    let sent = false;
    for (const chunk of chunks) {
      if (!fits(client, sizeFor(client, chunk.message))) {
        // The stall clock runs from the last progress, so a slow client that keeps draining is not cut off.
        client.behindSince = sent ? at : (client.behindSince ?? at);
        return;
      }
      send(client, chunk.message);
      client.seq = chunk.seq;
      sent = true;
    }
    client.seq = toSeq;
    client.behindSince = undefined;
  };

  /**
   * The latest change of each item after `fromSeq`, in the order of those latest changes; undefined when the
   * replay buffer no longer reaches back that far. An item's visibility before its first change and after its
   * last decides whether the view is told (an item that left the view is removed, one never seen is not sent).
   */
  const coalescedSince = (fromSeq: number, toSeq: number): Sequenced<Item>[] | undefined => {
    const first = replay[0];
    if (first === undefined || first.seq > fromSeq + 1) return fromSeq === toSeq ? [] : undefined;
    const merged = new Map<string, Sequenced<Item>>();
    for (let i = fromSeq + 1 - first.seq; i < replay.length; i++) {
      const change = replay[i] as Sequenced<Item>;
      if (change.seq > toSeq) break;
      const earlier = merged.get(change.itemId);
      merged.delete(change.itemId);
      merged.set(change.itemId, earlier ? { ...change, previous: earlier.previous } : change);
    }
    return [...merged.values()];
  };

  /** Brings a client that fell behind up to date once its socket has drained, or closes it when stalled. */
  const catchUp = (client: Client, cache: Map<string, Chunk[]>, toSeq: number, at: number): void => {
    if (client.socket.bufferedAmount > busyBytes / 2) {
      if (at - (client.behindSince ?? at) >= stallMs) {
        log.warn({ userId: client.principal.userId }, "board client stalled; closed");
        closeClient(client, CLOSE_TOO_SLOW, TOO_SLOW_REASON);
      }
      return;
    }
    const key = `${client.view.key}\u0000${client.seq}`;
    let chunks = cache.get(key);
    if (!chunks) {
      const merged = coalescedSince(client.seq, toSeq);
      // A snapshot is the board now: only once no change is still waiting for its access records.
      if (merged === undefined && toSeq !== seq) return;
      chunks =
        merged === undefined
          ? [{ seq, message: snapshotOf(client.view) }]
          : chunksOf(entriesFor(client.view, merged, false), true);
      cache.set(key, chunks);
    }
    const first = chunks[0];
    if (first && client.socket.bufferedAmount + sizeFor(client, first.message) > options.maxBufferedBytes) {
      closeClient(client, CLOSE_TOO_SLOW, TOO_SLOW_REASON);
      return;
    }
    deliver(client, chunks, toSeq, at);
  };

  /**
   * The board as a view sees it at the feed's position (`latest`: alarms as of their last tick, as every connected
   * client has them), and its snapshot message, each made once per view and position: a thousand clients
   * connecting at once (their access records, then their snapshots) share them.
   */
  const atPosition = {
    seq: -1,
    items: new Map<string, Item[]>(),
    snapshots: new Map<string, SharedMessage>(),
  };
  const current = () => {
    if (atPosition.seq !== seq) {
      atPosition.seq = seq;
      atPosition.items.clear();
      atPosition.snapshots.clear();
    }
    return atPosition;
  };
  const visibleNow = (principal: Principal): Item[] => {
    const { items } = current();
    const key = options.viewKey(principal);
    let visible = items.get(key);
    if (!visible) {
      visible = [...latest.values()].flatMap((item) => options.visibleTo(principal, item) ?? []);
      items.set(key, visible);
    }
    return visible;
  };
  const snapshotOf = (view: View): SharedMessage => {
    const { snapshots } = current();
    let message = snapshots.get(view.key);
    if (!message) {
      message = encode({ type: "snapshot", position, epoch, items: visibleNow(view.principal) });
      snapshots.set(view.key, message);
    }
    return message;
  };

  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let lastFlushAt = Number.NEGATIVE_INFINITY;

  const scheduleFlush = (delayMs: number): void => {
    if (flushTimer !== undefined) return;
    flushTimer = setTimeout(flush, Math.max(0, delayMs));
  };

  /** The changes after `fromSeq` up to `toSeq`, or undefined when the replay buffer no longer reaches back. */
  const changesBetween = (fromSeq: number, toSeq: number): Sequenced<Item>[] | undefined => {
    if (fromSeq >= toSeq) return [];
    const first = replay[0];
    if (first === undefined || first.seq > fromSeq + 1) return undefined;
    return replay.slice(fromSeq + 1 - first.seq, toSeq + 1 - first.seq);
  };

  /**
   * The access records of a view's changes up to `toSeq`, before any of them is sent: one per user and address,
   * naming the items the view sees. Undefined when nothing needs writing; else resolves to the clients whose
   * record failed (closed, and skipped by the delivery).
   */
  const recordFor = (view: View, toSeq: number): Promise<Set<Client>> | undefined => {
    const hook = options.beforeDeliver;
    if (!hook) return undefined;
    // Beyond the replay buffer the view's clients get a snapshot: the board now is what they are shown.
    const items = (
      changesBetween(view.recordedSeq, toSeq) ?? [...latest.values()].map((item) => ({ item }))
    ).flatMap((change) =>
      change.item === null ? [] : (options.visibleTo(view.principal, change.item) ?? []),
    );
    if (items.length === 0) return undefined;
    const readers = new Map<string, Client[]>();
    for (const client of view.clients) {
      // A closing connection is sent nothing more, so nothing is recorded for it.
      if (client.socket.readyState !== WebSocket.OPEN) continue;
      const key = `${client.principal.userId}\u0000${client.from}`;
      const list = readers.get(key);
      if (list) list.push(client);
      else readers.set(key, [client]);
    }
    const failed = new Set<Client>();
    const writes: Promise<void>[] = [];
    for (const group of readers.values()) {
      const first = group[0] as Client;
      let write: Promise<void> | undefined;
      try {
        write = hook(first.principal, first.from, items);
      } catch (error) {
        // A hook that throws at once has not recorded anything either: the same refusal as a failed write.
        write = Promise.reject(error);
      }
      if (!write) continue;
      writes.push(
        write.catch((error: unknown) => {
          log.warn({ userId: first.principal.userId, err: error }, "feed access record not written; closed");
          for (const client of group) {
            failed.add(client);
            closeClient(client, CLOSE_TRY_AGAIN_LATER, "the access log cannot be written; reconnect later");
          }
        }),
      );
    }
    return writes.length === 0 ? undefined : Promise.all(writes).then(() => failed);
  };

  /**
   * Brings the view's clients up to what is recorded for it: the changes each has not had, serialised once per
   * view (and starting point: clients that connected meanwhile start later) into Buffers its clients share.
   * Returns how many of them are behind.
   */
  const deliverView = (view: View, failed: ReadonlySet<Client>, at: number): number => {
    const toSeq = view.recordedSeq;
    const shared = new Map<number, Chunk[]>();
    const catchUps = new Map<string, Chunk[]>();
    let behind = 0;
    for (const client of view.clients) {
      if (failed.has(client)) continue;
      if (client.behindSince === undefined && client.seq < toSeq) {
        let chunks = shared.get(client.seq);
        if (!chunks) {
          const list = changesBetween(client.seq, toSeq);
          if (list) {
            chunks = chunksOf(entriesFor(view, list, true), false);
            shared.set(client.seq, chunks);
          }
        }
        if (chunks) deliver(client, chunks, toSeq, at);
        // Not in the replay buffer any more: it is served as a client that fell behind.
        else client.behindSince = at;
      }
      if (client.behindSince !== undefined) catchUp(client, catchUps, toSeq, at);
      if (client.behindSince !== undefined && clients.has(client)) behind++;
    }
    return behind;
  };

  /** Sends what arrived since the last flush to each view whose access records allow it. */
  const flush = (): void => {
    flushTimer = undefined;
    const at = performance.now();
    lastFlushAt = at;
    let behind = 0;
    for (const view of views.values()) {
      if (view.recording) continue;
      if (view.recordedSeq < seq) {
        const toSeq = seq;
        const written = recordFor(view, toSeq);
        if (written) {
          view.recording = true;
          void written.then((failed) => {
            view.recording = false;
            view.recordedSeq = toSeq;
            if (deliverView(view, failed, performance.now()) > 0) scheduleFlush(DRAIN_POLL_MS);
            // What arrived while the records were written goes out with the next flush, after its own.
            if (seq > toSeq) scheduleFlush(lastFlushAt + flushIntervalMs - performance.now());
          });
          continue;
        }
        view.recordedSeq = toSeq;
      }
      behind += deliverView(view, new Set(), at);
    }
    if (behind > 0) scheduleFlush(DRAIN_POLL_MS);
  };

  const unsubscribe = source.subscribe((change) => {
    const previous = latest.get(change.itemId) ?? null;
    if (change.item === null) latest.delete(change.itemId);
    else latest.set(change.itemId, change.item);
    const sequenced = { ...change, previous, seq: ++seq };
    replay.push(sequenced);
    position = change.position;
    if (replay.length > replayLimit) floor = (replay.shift() as Sequenced<Item>).position;
    // Changes are broadcast on a later turn of the event loop, so a burst goes out together and sending to
    // a thousand sockets never delays a command's answer.
    scheduleFlush(lastFlushAt + flushIntervalMs - performance.now());
  });

  const start = (client: Client, after: number | undefined, since: string | undefined): void => {
    if (
      after !== undefined &&
      after > floor &&
      after <= position &&
      (!client.view.patches || since === epoch)
    ) {
      // From `after` itself, as whole items: alarm ticks repeat the position they happen at, so a client that
      // applied a change at `after` may still lack a tick at `after`.
      const missed = chunksOf(
        entriesFor(
          client.view,
          replay.filter((change) => change.position >= after),
          false,
        ),
        false,
      );
      if (
        missed.reduce((bytes, chunk) => bytes + sizeFor(client, chunk.message), 0) <= options.maxBufferedBytes
      ) {
        for (const chunk of missed) send(client, chunk.message);
        send(client, encode({ type: "caught_up", position, epoch }));
        return;
      }
    }
    // A fresh snapshot always goes out, whatever its size: it is the only way to serve this client.
    send(client, snapshotOf(client.view));
  };

  const refuse = (socket: Duplex, status: number, reason: string, detail: string, retryAfter?: number) => {
    const body = JSON.stringify({ type: "about:blank", title: reason, status, detail });
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\n` +
        (retryAfter === undefined ? "" : `Retry-After: ${retryAfter}\r\n`) +
        `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    socket.destroy();
  };

  const onUpgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname !== options.path) return;
    let identity: FeedIdentity;
    try {
      identity = options.authenticate(tokenOf(request));
    } catch {
      return refuse(socket, 401, "Unauthorized", "the token is missing, invalid or expired; log in again");
    }
    const { principal } = identity;
    // The access record is written before the limits are counted: the count and the handshake below then
    // happen in one turn, with no await between them.
    try {
      await options.beforeOpen?.(principal, request, visibleNow(principal));
    } catch {
      return refuse(
        socket,
        503,
        "Service Unavailable",
        "the access log cannot be written; try again later",
        5,
      );
    }
    const own = connectionsPerUser.get(principal.userId) ?? 0;
    if (own >= options.maxConnectionsPerUser)
      return refuse(
        socket,
        429,
        "Too Many Requests",
        `this user already has ${own} board connections open (WS_MAX_CONNECTIONS_PER_USER); close one`,
        RETRY_AFTER_PER_USER_S,
      );
    if (open >= options.maxConnections)
      return refuse(
        socket,
        503,
        "Service Unavailable",
        "the board feed is at its connection limit (WS_MAX_CONNECTIONS); try again later",
        RETRY_AFTER_FULL_S,
      );
    const afterParam = url.searchParams.get("after");
    const after = afterParam !== null && /^-?\d{1,15}$/.test(afterParam) ? Number(afterParam) : undefined;
    const since = url.searchParams.get("epoch") ?? undefined;
    declineLimitedWindows(request);
    wss.handleUpgrade(request, socket, head, (ws) => {
      // Counted only once open (a handshake that fails never is); without a verifyClient hook ws completes the
      // handshake in this same turn, so no other upgrade slips between the check above and this count.
      open++;
      connectionsPerUser.set(principal.userId, (connectionsPerUser.get(principal.userId) ?? 0) + 1);
      const patches = ws.protocol === BOARD_PROTOCOL_PATCHES;
      const key = `${ws.protocol}\u0000${options.viewKey(principal)}`;
      let view = views.get(key);
      if (!view) {
        view = { key, principal, patches, clients: new Set(), recordedSeq: seq, recording: false };
        views.set(key, view);
      }
      // Whatever is still pending is already in the replay buffer or the snapshot this client gets now.
      const client: Client = {
        socket: ws,
        principal,
        view,
        expiresAt: identity.expiresAt,
        seq,
        deflate: deflateSenderOf(ws),
        from: request.socket.remoteAddress ?? "",
        behindSince: undefined,
      };
      clients.add(client);
      view.clients.add(client);
      ws.once("close", () => {
        detach(client);
        open--;
        const left = (connectionsPerUser.get(principal.userId) ?? 1) - 1;
        if (left > 0) connectionsPerUser.set(principal.userId, left);
        else connectionsPerUser.delete(principal.userId);
      });
      ws.on("error", () => detach(client));
      // Clients have nothing to say; any message is answered with the current position (a cheap liveness probe).
      ws.on("message", () => {
        if (clients.has(client) && fits(client, 64)) send(client, encode({ type: "heartbeat", position }));
      });
      start(client, after, since);
    });
  };
  options.server.on("upgrade", onUpgrade);

  const heartbeat = setInterval(() => {
    const message = encode({ type: "heartbeat", position });
    for (const client of clients) if (fits(client, sizeFor(client, message))) send(client, message);
  }, options.heartbeatMs ?? 15_000);
  heartbeat.unref();

  // One sweep for all connections: a bounded cost per second whatever the number of tokens expiring.
  const expirySweep = setInterval(() => {
    const at = now();
    for (const client of clients) {
      if (client.expiresAt !== undefined && client.expiresAt <= at)
        closeClient(client, CLOSE_TOKEN_EXPIRED, "token expired");
    }
  }, options.expirySweepMs ?? 1_000);
  expirySweep.unref();

  return {
    clientCount: () => clients.size,
    /** For tests and the bench: connections, how many are behind, and the largest unsent amount of one. */
    stats: () => {
      let behind = 0;
      let maxBufferedAmount = 0;
      for (const client of clients) {
        if (client.behindSince !== undefined) behind++;
        maxBufferedAmount = Math.max(maxBufferedAmount, client.socket.bufferedAmount);
      }
      return { clients: clients.size, views: views.size, behind, maxBufferedAmount };
    },
    close: async () => {
      clearInterval(heartbeat);
      clearInterval(expirySweep);
      clearTimeout(flushTimer);
      unsubscribe();
      options.server.off("upgrade", onUpgrade);
      for (const socket of wss.clients) socket.terminate();
      clients.clear();
      views.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
};

const tokenOf = (request: IncomingMessage): string => {
  const header = request.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice("Bearer ".length);
  const protocols = (request.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
  const bearer = protocols.find((p) => p.startsWith(BEARER_PREFIX));
  if (bearer) return bearer.slice(BEARER_PREFIX.length);
  throw new Error("no token");
};
