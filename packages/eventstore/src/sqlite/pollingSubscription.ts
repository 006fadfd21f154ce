import type { RecordedEvent, SubscribeAllOptions, Subscription } from "../port.js";
import type { Notifier } from "./notifier.js";

export interface PollingSource {
  /** One page of events strictly after `after`, already filtered. */
  readPage(after: number): RecordedEvent[];
  pageSize: number;
  notifier: Notifier;
  /** Upper bound on how long a live subscription sleeps: another process may write the same file. */
  pollMs: number;
}

/** Catch-up by pages, then live; one loop, so the handler is awaited strictly in order and never twice at once. */
export function startPollingSubscription(source: PollingSource, options: SubscribeAllOptions): Subscription {
  const stop = new AbortController();

  async function run(): Promise<void> {
    let after = options.after ?? -1;
    let caughtUp = false;
    while (!stop.signal.aborted) {
      const seen = source.notifier.generation();
      const page = source.readPage(after);
      for (const event of page) {
        if (stop.signal.aborted) return;
        // A synchronous handler is not awaited: a microtask per event is a large share of a rebuild.
        const handled = options.onEvent(event);
        if (handled) await handled;
        after = event.position;
      }
      if (page.length < source.pageSize) {
        if (!caughtUp) {
          caughtUp = true;
          options.onCaughtUp?.();
        }
        await source.notifier.wait(seen, source.pollMs, stop.signal);
      }
    }
  }

  const done = run();
  return {
    done,
    async close() {
      stop.abort();
      // close() reports stopping; a handler failure is reported by `done`.
      await done.catch(() => undefined);
    },
  };
}
