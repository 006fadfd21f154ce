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
import { createNotifier } from "./notifier.js";
import { startPollingSubscription } from "./pollingSubscription.js";
import { toChainedEvent, toRecordedEvent } from "./rows.js";
import { prepareStatements } from "./statements.js";

const PAGE_SIZE = 500;
const POLL_MS = 200;

export interface SqliteEventStoreOptions {
  path: string;
  clock?: () => Date;
}

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
}: SqliteEventStoreOptions): EventStore {
  const db = openDatabase(path);
  const q = prepareStatements(db);
  const notifier = createNotifier();
  const subscriptions = new Set<Subscription>();
  let pending: PendingAppend[] = [];
  let closed = false;

  // Called inside the batch transaction, better-sqlite3 runs this in a SAVEPOINT: a conflict undoes only its own append.
  const appendOne = db.transaction((append: PendingAppend) =>
    appendInTransaction(q, append.streamId, append.events, append.expected, clock().toISOString()),
  );
  const commitBatch = db.transaction((batch: PendingAppend[]): Outcome[] =>
    batch.map((append) => {
      try {
        return { ok: true, result: appendOne(append) };
      } catch (error) {
        return { ok: false, error };
      }
    }),
  );

  // Group commit: appends arriving in the same tick share one BEGIN IMMEDIATE … COMMIT, so one fsync.
  function flush(): void {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = commitBatch.immediate(batch);
    } catch (error) {
      for (const append of batch) append.reject(error);
      return;
    }
    outcomes.forEach((outcome, i) => {
      const append = batch[i] as PendingAppend;
      if (outcome.ok) append.resolve(outcome.result);
      else append.reject(outcome.error);
    });
    if (outcomes.some((outcome) => outcome.ok)) notifier.notify();
  }

  function readAllSync({ after = -1, maxCount = PAGE_SIZE, categories }: ReadAllOptions): RecordedEvent[] {
    const rows = categories
      ? q.allPageInCategories.all(after, JSON.stringify(categories), maxCount)
      : q.allPage.all(after, maxCount);
    return rows.map(toRecordedEvent);
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
        const rows = q.streamPage.all(streamId, next, maxCount);
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
      return q.head.get()?.head ?? -1;
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...subscriptions].map((subscription) => subscription.close()));
      flush();
      db.close();
    },
  };
}
