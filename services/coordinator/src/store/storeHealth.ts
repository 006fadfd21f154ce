import type { Clock } from "@mtc/domain";
import { type EventStore, StoreUnavailableError, type StoreUnavailableReason } from "@mtc/eventstore";
import type { Logger } from "pino";

export type StoreHealthView =
  | { kind: EventStore["kind"]; state: "ok" }
  | {
      kind: EventStore["kind"];
      state: "degraded";
      reason: StoreUnavailableReason;
      /** When the store was first seen failing (ISO-8601 UTC). */
      since: string;
      retryAfterSeconds: number;
    };

export interface StoreHealthOptions {
  clock: Clock;
  /** Probe interval while the store is healthy: it notices a failure nobody has met yet. */
  okProbeMs: number;
  /** Probe interval while degraded: how soon the service notices that the cause went away. */
  degradedProbeMs: number;
  log: Logger;
}

export interface StoreHealth {
  /** The store to use everywhere: the same store, watched — every `StoreUnavailableError` it raises is learned. */
  store: EventStore;
  current(): StoreHealthView;
  /** Probes now (tests and /health wait on it rather than on a timer). */
  probe(): Promise<StoreHealthView>;
  /** Stops probing; the store itself is closed by its owner. */
  stop(): void;
}

/**
 * Store health: learns from every failure the service meets and probes the store in the background, so that
 * `/health` says `degraded` and why, and returns to `ok` by itself once a probe passes again.
 */
export const watchStoreHealth = (inner: EventStore, options: StoreHealthOptions): StoreHealth => {
  const { clock, log } = options;
  let view: StoreHealthView = { kind: inner.kind, state: "ok" };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const learn = (error: unknown): void => {
    if (!(error instanceof StoreUnavailableError)) return;
    if (view.state === "degraded" && view.reason === error.reason) return;
    const since = view.state === "degraded" ? view.since : clock().toISOString();
    const wasOk = view.state === "ok";
    view = {
      kind: inner.kind,
      state: "degraded",
      reason: error.reason,
      since,
      retryAfterSeconds: error.retryAfterSeconds,
    };
    log.warn({ reason: error.reason, since }, "event store degraded");
    if (wasOk) schedule();
  };

  const probe = async (): Promise<StoreHealthView> => {
    try {
      await inner.probe();
      if (view.state === "degraded") {
        log.info({ reason: view.reason, since: view.since }, "event store recovered");
        view = { kind: inner.kind, state: "ok" };
      }
    } catch (error) {
      learn(
        error instanceof StoreUnavailableError
          ? error
          : new StoreUnavailableError("io_error", "the store probe failed", { cause: error }),
      );
    }
    return view;
  };

  function schedule(): void {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(
      () => void probe().finally(schedule),
      view.state === "ok" ? options.okProbeMs : options.degradedProbeMs,
    );
    timer.unref();
  }

  const watched = <T>(operation: Promise<T>): Promise<T> =>
    operation.catch((error: unknown) => {
      learn(error);
      throw error;
    });

  const store: EventStore = {
    kind: inner.kind,
    append: (streamId, events, expectedRevision) => watched(inner.append(streamId, events, expectedRevision)),
    async *readStream(streamId, readOptions) {
      try {
        yield* inner.readStream(streamId, readOptions);
      } catch (error) {
        learn(error);
        throw error;
      }
    },
    readAll: (readOptions) => watched(inner.readAll(readOptions)),
    readChain: (chainOptions) => watched(inner.readChain(chainOptions)),
    async *readStreamChain(streamId) {
      try {
        yield* inner.readStreamChain(streamId);
      } catch (error) {
        learn(error);
        throw error;
      }
    },
    subscribeAll: (subscribeOptions) => {
      const subscription = inner.subscribeAll(subscribeOptions);
      // Observed only: the subscriber still sees the rejection and resubscribes.
      subscription.done.catch(learn);
      return subscription;
    },
    headPosition: () => watched(inner.headPosition()),
    probe: () => watched(inner.probe()),
    close: () => inner.close(),
  };

  schedule();
  return {
    store,
    current: () => view,
    probe,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
};
