import type { EventStore, RecordedEvent, Subscription } from "@mtc/eventstore";
import type { ProjectedEvent } from "../shared/projectedEvent.js";
import type { AnyProjection } from "../shared/projection.js";
import { applyEvent, lazyParse, type ProjectionFailure } from "./rebuild.js";
import type { SnapshotStore } from "./snapshotStore.js";

export interface RunnerLogEntry {
  level: "info" | "warn" | "error";
  msg: string;
  projection?: string;
  position?: number;
  reason?: string;
}
/** Logger-like callback; wire it to a pino child logger in the service. */
export type RunnerLog = (entry: RunnerLogEntry) => void;

export type ProjectionMode = "catching_up" | "live" | "failed";

export interface ProjectionStatus {
  name: string;
  version: number;
  /** Position of the last event applied; -1 before the first. */
  checkpoint: number;
  state: ProjectionMode;
  failure?: ProjectionFailure;
}

/** Called after an event has been applied to every projection, with their states after it. */
export type AppliedListener = (event: ProjectedEvent, states: Readonly<Record<string, unknown>>) => void;

export interface ProjectionRunnerOptions {
  store: EventStore;
  projections: readonly AnyProjection[];
  /** Owned by the caller: the runner saves into it but does not close it. */
  snapshots: SnapshotStore;
  log?: RunnerLog;
  /**
   * Only streams of these categories (`referral`, `transfer`, …) are delivered. Omitted: the whole log. With a
   * filter, `whenCaughtUpTo` a position of a filtered-out stream resolves only once a later event is handled.
   */
  categories?: readonly string[];
  /** Save at most this often while events flow (default 250 ms) … */
  saveEveryMs?: number;
  /** … or after this many events, whichever comes first (default 1,000). */
  saveEveryEvents?: number;
}

export interface ProjectionRunner {
  /** Loads snapshots and subscribes from the lowest checkpoint; resolves once subscribed (see `whenLive`). */
  start(): Promise<void>;
  status(): ProjectionStatus[];
  /** Positional distance from each projection's checkpoint to `headPosition` (positions are not dense). */
  lag(headPosition: number): Record<string, number>;
  current<S = unknown>(name: string): S;
  /** Resets one projection (or all) to its initial state and replays from zero; resolves when caught up. */
  rebuild(name?: string): Promise<void>;
  onApplied(listener: AppliedListener): () => void;
  /** Resolves once the runner has handled the event at `position` (read-your-writes). */
  whenCaughtUpTo(position: number): Promise<void>;
  /** Resolves when the current subscription has delivered everything recorded when it started. */
  whenLive(): Promise<void>;
  /** Saves snapshots now if anything changed since the last save. */
  flush(): void;
  /** Stops the subscription and saves a last snapshot. */
  close(): Promise<void>;
}

interface Slot {
  projection: AnyProjection;
  state: unknown;
  checkpoint: number;
  mode: ProjectionMode;
  failure?: ProjectionFailure | undefined;
}

interface Waiter {
  position: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

const deferred = () => {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

export const createProjectionRunner = (options: ProjectionRunnerOptions): ProjectionRunner => {
  const { store, snapshots } = options;
  const log: RunnerLog = options.log ?? (() => {});
  const saveEveryMs = options.saveEveryMs ?? 250;
  const saveEveryEvents = options.saveEveryEvents ?? 1000;
  const slots: Slot[] = options.projections.map((projection) => ({
    projection,
    state: projection.initialState(),
    checkpoint: -1,
    mode: "catching_up",
  }));
  const listeners = new Set<AppliedListener>();
  let waiters: Waiter[] = [];
  let subscription: Subscription | undefined;
  let generation = 0;
  let live = deferred();
  let processed = -1;
  let unsaved = 0;
  let lastSave = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let retries = 0;
  let closed = false;

  const slotOf = (name: string): Slot => {
    const slot = slots.find((s) => s.projection.name === name);
    if (!slot) throw new Error(`unknown projection ${name}`);
    return slot;
  };

  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (unsaved === 0) return;
    try {
      snapshots.save(
        slots.map((s) => ({
          name: s.projection.name,
          version: s.projection.version,
          checkpoint: s.checkpoint,
          state: s.state,
        })),
      );
      unsaved = 0;
      lastSave = Date.now();
    } catch (error) {
      // Not fatal: the unsaved work is replayed from the log after a restart.
      log({ level: "error", msg: "snapshot save failed", reason: String(error) });
    }
  };

  const maybeSave = (): void => {
    // The clock is read once per 64 events: during a catch-up it is otherwise a visible share of the work.
    if (unsaved >= saveEveryEvents || ((unsaved & 63) === 0 && Date.now() - lastSave >= saveEveryMs)) flush();
    else if (!timer) timer = setTimeout(flush, saveEveryMs).unref();
  };

  const settleWaiters = (): void => {
    if (waiters.length === 0) return;
    const ready = waiters.filter((w) => w.position <= processed);
    waiters = waiters.filter((w) => w.position > processed);
    for (const w of ready) w.resolve();
  };

  // Synchronous on purpose: the subscription delivers the next event only after this returns (in order).
  const handle = (recorded: RecordedEvent): void => {
    const parse = lazyParse(recorded);
    let applied = false;
    for (const slot of slots) {
      if (slot.mode === "failed" || recorded.position <= slot.checkpoint) continue;
      const result = applyEvent(slot.projection, slot.state, recorded, parse);
      if (result.ok) {
        slot.state = result.state;
        slot.checkpoint = recorded.position;
        applied = true;
      } else {
        // Never skip silently: the projection stops here and says why; the others go on.
        slot.mode = "failed";
        slot.failure = result.failure;
        const { position, reason } = result.failure;
        log({
          level: "error",
          msg: "projection stopped",
          projection: slot.projection.name,
          position,
          reason,
        });
      }
    }
    processed = Math.max(processed, recorded.position);
    if (applied) {
      unsaved++;
      maybeSave();
      if (listeners.size > 0) {
        const parsed = parse();
        if (parsed.ok) notify(parsed.projected);
      }
    }
    settleWaiters();
  };

  const notify = (event: ProjectedEvent): void => {
    const states = Object.fromEntries(slots.map((s) => [s.projection.name, s.state]));
    for (const listener of listeners) {
      try {
        listener(event, states);
      } catch (error) {
        log({ level: "warn", msg: "onApplied listener threw", reason: String(error) });
      }
    }
  };

  const subscribe = (): void => {
    const gen = ++generation;
    const running = slots.filter((s) => s.mode !== "failed");
    const after = Math.min(...(running.length > 0 ? running : slots).map((s) => s.checkpoint));
    processed = after;
    for (const s of running) s.mode = "catching_up";
    log({ level: "info", msg: "subscribing", position: after });
    const current = store.subscribeAll({
      after,
      ...(options.categories ? { categories: options.categories } : {}),
      onEvent: (event) => {
        if (gen === generation) handle(event);
      },
      onCaughtUp: () => {
        if (gen !== generation) return;
        retries = 0;
        for (const s of slots) if (s.mode === "catching_up") s.mode = "live";
        flush();
        live.resolve();
      },
    });
    subscription = current;
    current.done.catch((error: unknown) => {
      if (closed || gen !== generation) return;
      // Subscriptions must not die silently: report and resubscribe from the checkpoints, with backoff.
      const delay = Math.min(30_000, 250 * 2 ** retries++);
      log({ level: "error", msg: `subscription failed; retrying in ${delay} ms`, reason: String(error) });
      setTimeout(() => {
        if (!closed && gen === generation) subscribe();
      }, delay).unref();
    });
  };

  return {
    start: async () => {
      for (const slot of slots) {
        const { name, version } = slot.projection;
        const snapshot = snapshots.load(name);
        if (snapshot && snapshot.version === version) {
          slot.state = snapshot.state;
          slot.checkpoint = snapshot.checkpoint;
          log({
            level: "info",
            msg: "resumed from snapshot",
            projection: name,
            position: snapshot.checkpoint,
          });
        } else if (snapshot) {
          // The reducer changed: its old state cannot be trusted, rebuild from the log.
          snapshots.delete(name);
          log({
            level: "warn",
            msg: `snapshot v${snapshot.version} discarded for v${version}`,
            projection: name,
          });
        }
      }
      subscribe();
    },
    status: () =>
      slots.map((s) => ({
        name: s.projection.name,
        version: s.projection.version,
        checkpoint: s.checkpoint,
        state: s.mode,
        ...(s.failure ? { failure: s.failure } : {}),
      })),
    lag: (headPosition) =>
      Object.fromEntries(slots.map((s) => [s.projection.name, Math.max(0, headPosition - s.checkpoint)])),
    current: <S>(name: string) => slotOf(name).state as S,
    rebuild: async (name) => {
      const targets = name === undefined ? slots : [slotOf(name)];
      await subscription?.close();
      for (const slot of targets) {
        slot.state = slot.projection.initialState();
        slot.checkpoint = -1;
        slot.mode = "catching_up";
        slot.failure = undefined;
        snapshots.delete(slot.projection.name);
      }
      live = deferred();
      subscribe();
      await live.promise;
    },
    onApplied: (listener) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    whenCaughtUpTo: (position) =>
      position <= processed
        ? Promise.resolve()
        : closed
          ? Promise.reject(new Error("projection runner closed"))
          : new Promise((resolve, reject) => {
              waiters.push({ position, resolve, reject });
            }),
    whenLive: () => live.promise,
    flush,
    close: async () => {
      if (closed) return;
      closed = true;
      generation++;
      await subscription?.close();
      flush();
      for (const w of waiters) w.reject(new Error("projection runner closed"));
      waiters = [];
    },
  };
};
