import {
  type AllStreamSubscription,
  type EventStoreDBClient,
  excludeSystemEvents,
  START,
  streamNameFilter,
} from "@eventstore/db-client";
import type { SubscribeAllOptions, Subscription } from "../port.js";
import { positionOf, readPositionAt, toRecordedEvent } from "./mapping.js";

const MAX_BACKOFF_MS = 5_000;

/** Server-side filter: category prefixes, or just no system events; exact categories are re-checked client-side. */
function filterFor(categories: readonly string[] | undefined) {
  return categories ? streamNameFilter({ prefixes: [...categories] }) : excludeSystemEvents();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * `for await` over subscribeToAll, so the handler runs strictly in order. A dropped connection resubscribes
 * with backoff from the last handled position; a handler error ends the subscription for good.
 */
export function startEsdbSubscription(
  client: EventStoreDBClient,
  options: SubscribeAllOptions,
  headPosition: () => Promise<number>,
): Subscription {
  const stop = new AbortController();
  let current: AllStreamSubscription | undefined;

  async function run(): Promise<void> {
    let cursor = options.after ?? -1;
    let caughtUpReported = false;
    let failures = 0;
    const startHead = await headPosition();
    const reportCaughtUp = () => {
      if (caughtUpReported || stop.signal.aborted) return;
      caughtUpReported = true;
      options.onCaughtUp?.();
    };
    if (startHead <= cursor) reportCaughtUp();

    while (!stop.signal.aborted) {
      const subscription = client.subscribeToAll({
        fromPosition: cursor < 0 ? START : readPositionAt(cursor),
        filter: filterFor(options.categories),
      });
      current = subscription;
      let serverCaughtUp = false;
      let handling = false;
      // The server's caught-up marker can arrive while earlier events still wait in the buffer.
      subscription.on("caughtUp", () => {
        serverCaughtUp = true;
        if (!handling && subscription.readableLength === 0) reportCaughtUp();
      });
      try {
        for await (const resolved of subscription) {
          if (stop.signal.aborted) return;
          const position = positionOf(resolved);
          if (position === undefined || position <= cursor) continue;
          const event = toRecordedEvent(resolved, options.categories);
          if (event) {
            handling = true;
            await options.onEvent(event);
            handling = false;
          }
          cursor = position;
          failures = 0;
          if (cursor >= startHead || (serverCaughtUp && subscription.readableLength === 0)) reportCaughtUp();
        }
      } catch (error) {
        if (handling) throw error;
        if (stop.signal.aborted) return;
      } finally {
        await subscription.unsubscribe().catch(() => undefined);
      }
      failures++;
      await sleep(Math.min(100 * 2 ** failures, MAX_BACKOFF_MS), stop.signal);
    }
  }

  const done = run();
  return {
    done,
    async close() {
      stop.abort();
      await current?.unsubscribe().catch(() => undefined);
      await done.catch(() => undefined);
    },
  };
}
