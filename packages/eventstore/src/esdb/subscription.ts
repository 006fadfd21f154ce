import {
  type AllStreamSubscription,
  type EventStoreDBClient,
  excludeSystemEvents,
  START,
  streamNameFilter,
} from "@eventstore/db-client";
import type { SubscribeAllOptions, Subscription } from "../port.js";
import { positionOf, readPositionAt, toRecordedEvent } from "./mapping.js";
import { sleep } from "./sleep.js";

const MAX_BACKOFF_MS = 5_000;

/** Server-side filter: category prefixes, or just no system events; exact categories are re-checked client-side. */
function filterFor(categories: readonly string[] | undefined) {
  return categories ? streamNameFilter({ prefixes: [...categories] }) : excludeSystemEvents();
}

/** An event the adapter cannot turn into ours (unreadable JSON): retrying would meet it again, so it is fatal. */
export class UnreadableEventError extends Error {
  override readonly name = "UnreadableEventError";
  constructor(
    readonly position: number,
    cause: unknown,
  ) {
    super(
      `event at position ${position} cannot be read: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}

/**
 * `for await` over subscribeToAll, so the handler runs strictly in order. A dropped connection resubscribes
 * with backoff from the last handled position and is reported through `onRetry`; a handler error or an event
 * that cannot be read ends the subscription for good (`done` rejects), so the projection is marked failed.
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
          const event = readable(resolved, position, options.categories);
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
        if (handling || error instanceof UnreadableEventError) throw error;
        if (stop.signal.aborted) return;
        failures++;
        const delay = Math.min(100 * 2 ** failures, MAX_BACKOFF_MS);
        options.onRetry?.(error, delay);
        await sleep(delay, stop.signal);
        continue;
      } finally {
        await subscription.unsubscribe().catch(() => undefined);
      }
      // The server ended the stream without an error: resubscribe from where we are.
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

export function readable(
  resolved: Parameters<typeof toRecordedEvent>[0],
  position: number,
  categories: readonly string[] | undefined,
) {
  try {
    return toRecordedEvent(resolved, categories);
  } catch (error) {
    throw new UnreadableEventError(position, error);
  }
}
