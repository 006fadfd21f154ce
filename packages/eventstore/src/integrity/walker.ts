import { startWorker } from "../startWorker.js";
import type { SignedHead } from "./signedHead.js";
import {
  type ChainBreak,
  type ChainSource,
  checkHeadAgainstLog,
  continueWalk,
  initialWalkState,
  type VerifyOptions,
  type WalkState,
} from "./verify.js";

/** What a walk has established, small enough to pass between threads (the per-stream links stay behind). */
export interface WalkSnapshot {
  checked: number;
  lastPosition: number;
  hash: string;
  latestHead: SignedHead | undefined;
}

export interface WalkOutcome {
  found: ChainBreak | undefined;
  snapshot: WalkSnapshot;
}

/**
 * The service's background verification (ADR 6) as four steps; where they run is the walker's business.
 * - `tail(after)`: a partial walk of the log's end, on its own state, at start.
 * - `advance()`: continues the running walk up to the current end.
 * - `again()`: a fresh walk from the start; it replaces the running one only if the whole log still holds.
 * - `checkHead(head)`: the log reaches the head and holds its hash.
 */
export interface ChainWalker {
  tail(after: number): Promise<ChainBreak | undefined>;
  advance(): Promise<WalkOutcome>;
  again(): Promise<WalkOutcome>;
  checkHead(head: SignedHead): Promise<ChainBreak | undefined>;
  close(): Promise<void>;
}

const snapshotOf = (state: WalkState): WalkSnapshot => ({
  checked: state.checked,
  lastPosition: state.lastPosition,
  hash: state.hash,
  latestHead: state.latestHead,
});

/** Walks on the caller's thread, paced by `options.pace`; used where the store is remote (EventStoreDB). */
export function inProcessWalker(
  store: ChainSource,
  options: Pick<VerifyOptions, "pageSize" | "pace" | "signal">,
  /** Only a trusted head signed with this key counts; heads met inside the log are checked by signature alone. */
  trustedKey: string | undefined,
): ChainWalker {
  let state = initialWalkState();
  return {
    tail: (after) => continueWalk(store, initialWalkState(), { ...options, after }),
    async advance() {
      const found = await continueWalk(store, state, options);
      return { found, snapshot: snapshotOf(state) };
    },
    async again() {
      const fresh = initialWalkState();
      const found = await continueWalk(store, fresh, options);
      if (!found) state = { ...fresh, latestHead: fresh.latestHead ?? state.latestHead };
      return { found, snapshot: snapshotOf(found ? state : fresh) };
    },
    checkHead: (head) => checkHeadAgainstLog(store, state, head, trustedKey),
    close: async () => {},
  };
}

type WalkStep =
  | { op: "tail"; after: number }
  | { op: "advance" }
  | { op: "again" }
  | { op: "checkHead"; head: SignedHead };
export type WalkRequest = WalkStep & { id: number };

export type WalkReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

export interface WorkerWalkerInit {
  path: string;
  trustedKey: string | undefined;
  /**
   * The share of one core the walk may take (0 < share ≤ 1; default 1): after each page it rests in proportion.
   * A low thread priority alone still leaves it a whole core of two, and requests slower while it runs.
   */
  share?: number;
}

/**
 * A `pace` for a walk that may take `share` of its thread (0 < share ≤ 1): after each page, a rest in proportion
 * to the page's work (`busy × (1 − share) / share`), at most `maxRestMs`.
 */
export const restInProportion = (share: number, maxRestMs = Number.POSITIVE_INFINITY) => {
  let pageStarted = performance.now();
  return (): Promise<void> =>
    new Promise<void>((resolve) => {
      const busy = performance.now() - pageStarted;
      setTimeout(
        () => {
          pageStarted = performance.now();
          resolve();
        },
        Math.min(maxRestMs, (busy * (1 - share)) / share),
      ).unref();
    });
};

/**
 * Walks an embedded log in a worker thread with its own read-only connection: hashing a million events takes
 * about a minute of CPU, and on the service's thread it would delay every request behind it, however paced.
 */
export function workerWalker(init: WorkerWalkerInit): ChainWalker {
  const worker = startWorker(new URL("./walkerWorker.ts", import.meta.url), init);
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let failure: Error | undefined;
  const failAll = (error: Error) => {
    failure = error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  worker.on("message", (reply: WalkReply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (reply.ok) waiting.resolve(reply.value);
    else waiting.reject(new Error(reply.error));
  });
  worker.on("error", failAll);
  worker.on("exit", (code) => failAll(new Error(`the chain walker stopped (exit ${code})`)));

  const call = <T>(request: WalkStep): Promise<T> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...request, id });
    });
  };
  return {
    tail: (after) => call({ op: "tail", after }),
    advance: () => call({ op: "advance" }),
    again: () => call({ op: "again" }),
    checkHead: (head) => call({ op: "checkHead", head }),
    async close() {
      await worker.terminate();
    },
  };
}
