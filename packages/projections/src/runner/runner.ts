import { existsSync, renameSync } from "node:fs";
import {
  categoryOf,
  checkpointInBackground,
  type EventStore,
  type RecordedEvent,
  type Subscription,
  type WalCheckpointer,
} from "@mtc/eventstore";
import Database from "better-sqlite3";
import type { ReadModel } from "../shared/readModel.js";
import { type Applier, createApplier, type DocumentChange, loadSlots, type Slot } from "./apply.js";
import {
  autocheckpointPages,
  clearHeartbeat,
  type ModelState,
  OWNER_HEARTBEAT_MS,
  openReadModelDatabase,
  removeDatabase,
  writeHeartbeat,
} from "./database.js";

/** How often the background checkpointer looks at the WAL's size. */
const CHECKPOINTER_INTERVAL_MS = 250;

export interface RunnerLogEntry {
  level: "info" | "warn" | "error";
  msg: string;
  model?: string;
  position?: number;
  reason?: string;
}
/** Logger-like callback; wire it to a pino child logger in the service. */
export type RunnerLog = (entry: RunnerLogEntry) => void;

export interface ModelStatus {
  name: string;
  version: number;
  state: ModelState;
  /** Position of the last event applied; -1 before the first. */
  checkpoint: number;
  /** 0..1 while rebuilding. */
  progress?: number;
  /** Why the whole model stopped (its database failed); documents fail one by one, see failedDocuments. */
  failure?: string;
  failedDocuments: number;
}

export type ChangeListener = (model: string, changes: readonly DocumentChange[]) => void;
export type StateListener = (model: string, state: ModelState) => void;

export interface ReadModelRunnerOptions {
  store: EventStore;
  /** The read-model file (`readModelFile(dataDir, instanceId)`). */
  path: string;
  models: readonly ReadModel[];
  /** Only streams of these categories are read (`categoriesOf(models)`). Omitted: the whole log. */
  categories?: readonly string[] | undefined;
  log?: RunnerLog;
  /** Events per catch-up page, each applied in one transaction (default 5,000). */
  pageSize?: number;
  /** Largest live batch (default 1,000); a live batch is otherwise what arrived before the next turn. */
  liveBatchSize?: number;
  /**
   * Stream categories whose events alone may wait up to `deferMs` before they are applied (the access log): one
   * transaction then indexes many reads, instead of one per read, each rewriting the index pages it touches.
   * Any other event, or a caller of `whenCaughtUpTo`, applies what waits at once.
   */
  deferredCategories?: readonly string[];
  /** How long events of `deferredCategories` alone may wait (default 500 ms). */
  deferMs?: number;
  /** Documents a model holds per batch before writing them (the write-behind cache bound; default 20,000). */
  cacheSize?: number;
  /** Models whose changes are emitted to `onChanges` listeners (default: board). */
  emitting?: readonly string[];
  /**
   * Awaited before each catch-up page, with the names of the loop's models, so that HTTP is served during a
   * rebuild (default: one setImmediate).
   */
  pace?: (models: readonly string[]) => Promise<void>;
  /** This process owns the file: records pid + heartbeat, adopts a `<path>.next` left by an offline rebuild. */
  owner?: boolean;
  /**
   * Checkpoint the WAL from a worker thread instead of inside the commit that crosses the mark (the service:
   * a checkpoint stalled its event loop for 50–70 ms); the writer keeps a safety mark at four times it. Falls
   * back to the writer's own at the mark if the worker stops.
   */
  backgroundCheckpoints?: boolean;
  now?: () => Date;
}

export interface ReadModelRunner {
  /** Opens the file (rebuilding what must be) and starts the loops; resolves without waiting for catch-up. */
  start(): Promise<void>;
  status(): ModelStatus[];
  stateOf(name: string): ModelState;
  /** The read-only connection queries use: it only ever sees committed batches. */
  reader(): Database.Database;
  /** Resolves once every model that is not rebuilding or failed has applied the event at `position`. */
  whenCaughtUpTo(position: number): Promise<void>;
  /** Resolves when every model is ready (or failed). */
  whenReady(): Promise<void>;
  /** Changes of the emitting models after each commit; none while a model rebuilds (see `onStateChange`). */
  onChanges(listener: ChangeListener): () => void;
  onStateChange(listener: StateListener): () => void;
  close(): Promise<void>;
}

interface Loop {
  slots: Slot[];
  position: number;
  subscription?: Subscription;
  /** Identifies the live subscription of this loop; events of an earlier one are dropped. */
  current?: symbol;
  pending: RecordedEvent[];
  scheduled: boolean;
  /** The timer of a live batch holding only deferrable events. */
  deferred?: ReturnType<typeof setTimeout> | undefined;
  retries: number;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const PROGRESS_LOG_MS = 2_000;

/**
 * Feeds the read models from the log into their SQLite file (ADR 7). Models at the same checkpoint share a
 * loop: catch-up by pages (`readAll`, one transaction a page), then live (`subscribeAll`, batching what
 * arrives together). A model being rebuilt has its own loop and never holds back the live ones. One writer
 * connection applies batches synchronously, so they never interleave; queries use a read-only connection.
 */
export const createReadModelRunner = (options: ReadModelRunnerOptions): ReadModelRunner => {
  const { store, path, categories } = options;
  const log: RunnerLog = options.log ?? (() => {});
  const pageSize = options.pageSize ?? 5_000;
  const liveBatchSize = options.liveBatchSize ?? 1_000;
  const deferredCategories = new Set(options.deferredCategories ?? []);
  const deferMs = options.deferMs ?? 500;
  const pace = options.pace ?? tick;
  const listeners = new Set<ChangeListener>();
  const stateListeners = new Set<StateListener>();
  const announce = (model: string, state: ModelState): void => {
    for (const listener of stateListeners) {
      try {
        listener(model, state);
      } catch (error) {
        log({ level: "warn", msg: "state listener threw", model, reason: String(error) });
      }
    }
  };
  let waiters: { position: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  let readyWaiters: (() => void)[] = [];
  let db: Database.Database | undefined;
  let readDb: Database.Database | undefined;
  let applier: Applier | undefined;
  let slots: Slot[] = [];
  let loops: Loop[] = [];
  let heartbeat: NodeJS.Timeout | undefined;
  let checkpointer: WalCheckpointer | undefined;
  let closed = false;

  const slotOf = (name: string): Slot => {
    const slot = slots.find((s) => s.model.name === name);
    if (!slot) throw new Error(`unknown read model ${name}`);
    return slot;
  };

  const waitsFor = (slot: Slot) => slot.state === "ready" || slot.state === "catching_up";
  const reached = (position: number) => slots.every((s) => !waitsFor(s) || s.checkpoint >= position);
  const allReady = () => slots.every((s) => s.state === "ready" || s.state === "failed");

  const settle = (): void => {
    if (waiters.length > 0) {
      const done = waiters.filter((w) => reached(w.position));
      waiters = waiters.filter((w) => !reached(w.position));
      for (const w of done) w.resolve();
    }
    if (readyWaiters.length > 0 && allReady()) {
      const done = readyWaiters;
      readyWaiters = [];
      for (const resolve of done) resolve();
    }
  };

  const failLoop = (loop: Loop, error: unknown): void => {
    const reason = error instanceof Error ? error.message : String(error);
    for (const slot of loop.slots) {
      try {
        applier?.setState(slot, "failed");
      } catch {
        // The database itself failed: the state stays in memory (and /health) only.
      }
      slot.state = "failed";
      slot.failure = reason;
      log({ level: "error", msg: "read model stopped: its database failed", model: slot.model.name, reason });
      announce(slot.model.name, "failed");
    }
    void loop.subscription?.close();
    settle();
  };

  /** Applies one batch of a loop; emits the changes only after the commit. */
  const commit = (loop: Loop, events: readonly RecordedEvent[]): boolean => {
    if (closed || !applier || events.length === 0) return !closed;
    const running = loop.slots.filter((s) => s.state !== "failed");
    if (running.length === 0) return false;
    let changes: Map<string, DocumentChange[]>;
    try {
      changes = applier.apply(running, events);
    } catch (error) {
      failLoop(loop, error);
      return false;
    }
    loop.position = Math.max(loop.position, (events.at(-1) as RecordedEvent).position);
    settle();
    for (const [model, list] of changes) {
      // A rebuilding model's changes are history, not news (the applier collects none): listeners hear
      // `ready` once it is done.
      if (list.length === 0) continue;
      for (const listener of listeners) {
        try {
          listener(model, list);
        } catch (error) {
          log({ level: "warn", msg: "change listener threw", model, reason: String(error) });
        }
      }
    }
    return true;
  };

  const flushPending = (loop: Loop): void => {
    loop.scheduled = false;
    clearTimeout(loop.deferred);
    loop.deferred = undefined;
    const batch = loop.pending;
    loop.pending = [];
    commit(loop, batch);
  };

  const subscribe = (loop: Loop): void => {
    if (closed) return;
    // A store may deliver the first events synchronously, from inside subscribeAll: the handler must not refer
    // to the subscription it is handed back, so a token set beforehand tells the current subscription apart.
    const token = Symbol("subscription");
    loop.current = token;
    const subscription = store.subscribeAll({
      after: loop.position,
      categories,
      onEvent: (event) => {
        if (loop.current !== token) return;
        loop.pending.push(event);
        if (loop.pending.length >= liveBatchSize) flushPending(loop);
        else if (deferredCategories.has(categoryOf(event.streamId)) && waiters.length === 0) {
          if (!loop.scheduled && loop.deferred === undefined) {
            loop.deferred = setTimeout(() => flushPending(loop), deferMs);
            loop.deferred.unref();
          }
        } else if (!loop.scheduled) {
          loop.scheduled = true;
          setImmediate(() => flushPending(loop));
        }
      },
      onCaughtUp: () => {
        loop.retries = 0;
      },
    });
    loop.subscription = subscription;
    subscription.done.catch((error: unknown) => {
      if (closed || loop.current !== token) return;
      // Never silently: report and resubscribe from the committed position, with backoff.
      flushPending(loop);
      const delay = Math.min(30_000, 250 * 2 ** loop.retries++);
      log({ level: "error", msg: `subscription failed; retrying in ${delay} ms`, reason: String(error) });
      setTimeout(() => subscribe(loop), delay).unref();
    });
  };

  const catchUp = async (loop: Loop): Promise<void> => {
    let lastLog = Date.now();
    const names = loop.slots.map((s) => s.model.name);
    for (let after = loop.position; ; ) {
      await pace(names);
      if (closed) return;
      const page = await store.readAll({ after, maxCount: pageSize, categories });
      if (closed || !commit(loop, page)) return;
      after = page.at(-1)?.position ?? after;
      if (Date.now() - lastLog >= PROGRESS_LOG_MS) {
        lastLog = Date.now();
        for (const slot of loop.slots) {
          if (slot.state !== "rebuilding") continue;
          const percent = Math.floor(progressOf(slot) * 100);
          log({
            level: "info",
            msg: `rebuilding ${slot.model.name} ${percent} %`,
            model: slot.model.name,
            position: loop.position,
          });
        }
      }
      if (page.length < pageSize) return;
    }
  };

  const runLoop = async (loop: Loop): Promise<void> => {
    try {
      await catchUp(loop);
    } catch (error) {
      if (!closed) failLoop(loop, error);
      return;
    }
    if (closed || !applier) return;
    for (const slot of loop.slots) {
      if (slot.state === "failed") continue;
      const was = slot.state;
      try {
        applier.ready(slot);
      } catch (error) {
        // Creating a loaded model's indexes failed (full disk, I/O): that model stops, the others go live.
        failLoop({ ...loop, slots: [slot] }, error);
        continue;
      }
      log({
        level: "info",
        msg: was === "rebuilding" ? "rebuilt" : "caught up",
        model: slot.model.name,
        position: loop.position,
      });
      announce(slot.model.name, "ready");
    }
    settle();
    subscribe(loop);
  };

  const progressOf = (slot: Slot): number =>
    slot.state !== "rebuilding"
      ? 1
      : slot.rebuildHead <= 0
        ? 0
        : Math.min(1, Math.max(0, slot.checkpoint) / slot.rebuildHead);

  return {
    start: async () => {
      if (options.owner && existsSync(`${path}.next`)) {
        // An offline rebuild finished while this file was held: adopt it now, before opening.
        removeDatabase(path);
        renameSync(`${path}.next`, path);
        log({ level: "info", msg: "adopted the rebuilt read-model file" });
      }
      const opened = openReadModelDatabase(path, options.now);
      db = opened.db;
      if (opened.fresh === "corrupt")
        log({
          level: "error",
          msg: `read-model file was corrupt; moved aside as ${opened.movedAside}, rebuilding`,
        });
      if (options.backgroundCheckpoints)
        checkpointer = checkpointInBackground(db, {
          markPages: autocheckpointPages(db),
          intervalMs: CHECKPOINTER_INTERVAL_MS,
          onStop: (reason) => {
            if (closed) return;
            log({
              level: "warn",
              msg: `background WAL checkpoints stopped (${reason}); the writer checkpoints`,
            });
          },
        });
      const head = await store.headPosition();
      slots = loadSlots(db, options.models, head, undefined, { load: true });
      applier = createApplier(db, {
        cacheSize: options.cacheSize ?? 20_000,
        emitting: new Set(options.emitting ?? ["board"]),
        onFailure: (model, key, position, reason) =>
          log({
            level: "error",
            msg: "document failed; the model goes on without it",
            model,
            position,
            reason: `${key}: ${reason}`,
          }),
      });
      if (options.owner) {
        writeHeartbeat(db);
        const beat = db;
        heartbeat = setInterval(() => writeHeartbeat(beat), OWNER_HEARTBEAT_MS);
        heartbeat.unref();
      }
      readDb = new Database(path, { readonly: true, fileMustExist: true });
      const byCheckpoint = new Map<number, Slot[]>();
      for (const slot of slots) {
        if (slot.state === "rebuilding")
          log({ level: "warn", msg: `rebuilding ${slot.model.name} from the log`, model: slot.model.name });
        byCheckpoint.set(slot.checkpoint, [...(byCheckpoint.get(slot.checkpoint) ?? []), slot]);
      }
      loops = [...byCheckpoint].map(([position, group]) => ({
        slots: group,
        position,
        pending: [],
        scheduled: false,
        retries: 0,
      }));
      for (const loop of loops) void runLoop(loop);
    },
    status: () =>
      slots.map((s) => ({
        name: s.model.name,
        version: s.model.version,
        state: s.state,
        checkpoint: s.checkpoint,
        ...(s.state === "rebuilding" ? { progress: progressOf(s) } : {}),
        ...(s.failure ? { failure: s.failure } : {}),
        failedDocuments: s.failedDocuments,
      })),
    stateOf: (name) => slotOf(name).state,
    reader: () => {
      if (!readDb) throw new Error("read-model runner not started");
      return readDb;
    },
    whenCaughtUpTo: (position) => {
      if (reached(position)) return Promise.resolve();
      if (closed) return Promise.reject(new Error("read-model runner closed"));
      // Someone waits: deferred events are applied now, and none is deferred while anyone waits.
      for (const loop of loops) if (loop.deferred !== undefined) flushPending(loop);
      if (reached(position)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        waiters.push({ position, resolve, reject });
      });
    },
    whenReady: () =>
      allReady() ? Promise.resolve() : new Promise<void>((resolve) => readyWaiters.push(resolve)),
    onChanges: (listener) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    onStateChange: (listener) => {
      stateListeners.add(listener);
      return () => {
        stateListeners.delete(listener);
      };
    },
    close: async () => {
      if (closed) return;
      for (const loop of loops) if (loop.pending.length > 0) flushPending(loop);
      closed = true;
      if (heartbeat) clearInterval(heartbeat);
      await checkpointer?.close();
      await Promise.all(loops.map((loop) => loop.subscription?.close()));
      for (const w of waiters) w.reject(new Error("read-model runner closed"));
      waiters = [];
      readDb?.close();
      if (db) {
        if (options.owner) clearHeartbeat(db);
        db.close();
      }
    },
  };
};
