import { statfsSync } from "node:fs";
import { dirname } from "node:path";
import type Database from "better-sqlite3";
import type {
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeAllOptions,
  Subscription,
} from "../port.js";
import { appendInTransaction } from "./appendInTransaction.js";
import { openDatabase } from "./database.js";
import { classifySqliteError, unavailable } from "./errors.js";
import { createNotifier } from "./notifier.js";
import { startPollingSubscription } from "./pollingSubscription.js";
import { type EventRow, toChainedEvent, toRecordedEvent } from "./rows.js";
import { prepareStatements } from "./statements.js";
import { checkpointInBackground, type WalCheckpointer } from "./walCheckpointer.js";

const PAGE_SIZE = 500;
/** A page of some categories is first looked for among this many log positions per row asked (`pageInCategories`). */
const WINDOW_PER_ROW = 4;
const POLL_MS = 200;
/** Below this much free space the probe calls the disk full: a commit writes whole pages to the WAL. */
const MIN_FREE_BYTES = 1024 * 1024;
/** How long the probe waits for a write lock: long enough for another process's commit, short for the event loop. */
const PROBE_BUSY_TIMEOUT_MS = 50;
/** An integrity check blocks the connection for as long as it reads the file: at most this share of the time. */
const INTEGRITY_CHECK_DUTY = 0.05;

export interface SqliteEventStoreOptions {
  path: string;
  clock?: () => Date;
  /**
   * Tests only: receives the open connection, so that the store-failure suite can make it fail for real
   * (`PRAGMA query_only` for a read-only store, a short `busy_timeout` against a lock). Never set in the service.
   */
  onConnection?: (db: Database.Database) => void;
  /**
   * The service: the WAL is checkpointed from a worker thread, not inside the append that crosses the mark
   * (a checkpoint syncs the file: tens of milliseconds on the event loop). The writer takes over if it stops.
   */
  backgroundCheckpoints?: boolean;
}

/** SQLite's own default mark (1,000 pages of 4 KiB), kept when the checkpoint moves to a worker. */
const LOG_WAL_CHECKPOINT_PAGES = 1_000;

interface PendingAppend {
  streamId: string;
  events: readonly NewEvent[];
  expected: ExpectedRevision;
  resolve(result: AppendResult): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; result: AppendResult } | { ok: false; error: unknown };

export function openSqliteEventStore({
  path,
  clock = () => new Date(),
  onConnection,
  backgroundCheckpoints = false,
}: SqliteEventStoreOptions): EventStore {
  const db = openDatabase(path);
  onConnection?.(db);
  let checkpointer: WalCheckpointer | undefined;
  if (backgroundCheckpoints)
    checkpointer = checkpointInBackground(db, { markPages: LOG_WAL_CHECKPOINT_PAGES, intervalMs: 250 });
  const q = prepareStatements(db);
  const notifier = createNotifier();
  const subscriptions = new Set<Subscription>();
  let pending: PendingAppend[] = [];
  let closed = false;
  // Set when a read or write met a damaged file; the probe then runs an integrity check until one passes.
  let suspectCorrupt = false;
  let nextIntegrityCheckAt = 0;
  const classified = (error: unknown): unknown => {
    const storeError = classifySqliteError(error);
    if (storeError?.reason === "corrupt") suspectCorrupt = true;
    return storeError ?? error;
  };
  const read = <T>(operation: () => T): T => {
    try {
      return operation();
    } catch (error) {
      throw classified(error);
    }
  };

  // Called inside the batch transaction, better-sqlite3 runs this in a SAVEPOINT: a conflict undoes only its own append.
  const appendNow = (append: PendingAppend): AppendResult =>
    appendInTransaction(q, append.streamId, append.events, append.expected, clock().toISOString());
  const appendOne = db.transaction(appendNow);
  const commitBatch = db.transaction((batch: PendingAppend[]): Outcome[] => {
    const [alone] = batch;
    // Alone in its transaction, an append needs no savepoint: whatever it throws rolls the whole transaction back,
    // and the batch's failure is its own (sequential appends: one SAVEPOINT and RELEASE fewer each).
    if (alone && batch.length === 1) return [{ ok: true, result: appendNow(alone) }];
    return batch.map((append) => {
      try {
        return { ok: true, result: appendOne(append) };
      } catch (error) {
        // A failing file or disk fails the whole batch: SQLite may already have rolled the transaction back,
        // and no append of it may be acknowledged alone.
        if (classifySqliteError(error)) throw error;
        return { ok: false, error };
      }
    });
  });

  // Group commit: appends arriving in the same tick share one BEGIN IMMEDIATE … COMMIT, so one fsync.
  function flush(): void {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = commitBatch.immediate(batch);
    } catch (error) {
      rollbackLeftover();
      const storeError = classified(error);
      for (const append of batch) append.reject(storeError);
      return;
    }
    outcomes.forEach((outcome, i) => {
      const append = batch[i] as PendingAppend;
      if (outcome.ok) append.resolve(outcome.result);
      else append.reject(outcome.error);
    });
    if (outcomes.some((outcome) => outcome.ok)) notifier.notify();
  }

  /** After a failed COMMIT the connection must not stay inside a transaction, or every later append would fail. */
  function rollbackLeftover(): void {
    if (!db.inTransaction) return;
    try {
      db.exec("ROLLBACK");
    } catch {
      // The batch is already reported failed; a connection that cannot roll back is reported by the next probe.
    }
  }

  /** Free space, page cap and a write lock taken and released: everything short of writing an event. */
  function probeSync(): void {
    q.head.get();
    if (suspectCorrupt) {
      const started = clock().getTime();
      if (started < nextIntegrityCheckAt) throw unavailable("corrupt");
      const [check] = db.pragma("quick_check(1)") as { quick_check: string }[];
      // A large file takes long to check: space the checks so that they use a small share of the time.
      nextIntegrityCheckAt = started + (clock().getTime() - started) / INTEGRITY_CHECK_DUTY;
      if (check?.quick_check !== "ok") throw unavailable("corrupt");
      suspectCorrupt = false;
    }
    const pages = Number(db.pragma("page_count", { simple: true }));
    const maxPages = Number(db.pragma("max_page_count", { simple: true }));
    const freePages = Number(db.pragma("freelist_count", { simple: true }));
    if (pages >= maxPages && freePages === 0) throw unavailable("disk_full");
    const disk = statfsSync(dirname(path));
    if (disk.bavail * disk.bsize < MIN_FREE_BYTES) throw unavailable("disk_full");
    // Hardly waiting: a lock held elsewhere must show as `locked`, not block the event loop for busy_timeout.
    const busyTimeout = Number(db.pragma("busy_timeout", { simple: true }));
    db.pragma(`busy_timeout = ${PROBE_BUSY_TIMEOUT_MS}`);
    try {
      db.exec("BEGIN IMMEDIATE");
      db.exec("ROLLBACK");
    } finally {
      db.pragma(`busy_timeout = ${busyTimeout}`);
    }
  }

  function readAllSync({ after = -1, maxCount = PAGE_SIZE, categories }: ReadAllOptions): RecordedEvent[] {
    const rows = () =>
      categories
        ? pageInCategories(after, maxCount, JSON.stringify(categories))
        : q.allPage.all(after, maxCount);
    return read(rows).map(toRecordedEvent);
  }

  /**
   * A page of some categories. The categories' index yields each category's rows in order, but a page of
   * several categories must then be sorted: when they make up most of the log (the read models read every
   * domain category) that costs more than the read itself (1,000,000 events in pages of 5,000: 6.2 s against
   * 3.9 s along the positions). So the page is first read along the positions, over a window of
   * `WINDOW_PER_ROW` positions per row asked; only categories too sparse to fill it go on through the index
   * (one sort of a page), so that a page never walks the whole log.
   */
  function pageInCategories(after: number, maxCount: number, categories: string): EventRow[] {
    const until = Math.min(after + maxCount * WINDOW_PER_ROW, Number.MAX_SAFE_INTEGER);
    const page = q.allWindowInCategories.all(after, until, categories, maxCount);
    if (page.length >= maxCount || until >= (q.head.get()?.head ?? -1)) return page;
    return page.concat(q.allPageInCategories.all(until, categories, maxCount - page.length));
  }

  return {
    kind: "embedded",

    append(streamId, events, expectedRevision) {
      if (closed) return Promise.reject(new Error("SQLite event store is closed"));
      if (events.length === 0) return Promise.reject(new Error(`stream ${streamId}: append needs events`));
      return new Promise((resolve, reject) => {
        pending.push({ streamId, events, expected: expectedRevision, resolve, reject });
        if (pending.length === 1) setImmediate(flush);
      });
    },

    async *readStream(streamId: string, { fromRevision = 0, maxCount = PAGE_SIZE }: ReadStreamOptions = {}) {
      let next = fromRevision;
      for (;;) {
        const rows = read(() => q.streamPage.all(streamId, next, maxCount));
        for (const row of rows) yield toRecordedEvent(row);
        const last = rows.at(-1);
        if (!last || rows.length < maxCount) return;
        next = last.revision + 1;
      }
    },

    async readAll(options = {}) {
      return readAllSync(options);
    },

    async readChain({ after = -1, maxCount = PAGE_SIZE } = {}) {
      return q.chainPage.all(after, maxCount).map(toChainedEvent);
    },
    async *readStreamChain(streamId: string) {
      let next = 0;
      for (;;) {
        const rows = q.streamChainPage.all(streamId, next, PAGE_SIZE);
        for (const row of rows) yield toChainedEvent(row);
        const last = rows.at(-1);
        if (!last || rows.length < PAGE_SIZE) return;
        next = last.revision + 1;
      }
    },
    subscribeAll(options: SubscribeAllOptions) {
      if (closed) throw new Error("SQLite event store is closed");
      const { categories } = options;
      const subscription = startPollingSubscription(
        {
          readPage: (after) => readAllSync({ after, maxCount: PAGE_SIZE, categories }),
          pageSize: PAGE_SIZE,
          notifier,
          pollMs: POLL_MS,
        },
        options,
      );
      subscriptions.add(subscription);
      const forget = () => subscriptions.delete(subscription);
      subscription.done.then(forget, forget);
      return subscription;
    },

    async headPosition() {
      return read(() => q.head.get()?.head ?? -1);
    },
    async probe() {
      if (closed) throw unavailable("unreachable");
      read(probeSync);
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...subscriptions].map((subscription) => subscription.close()));
      flush();
      await checkpointer?.close();
      db.close();
    },
  };
}
