import { type EventStoreDBClient, START, streamNameFilter } from "@eventstore/db-client";
import type { RecordedEvent } from "../port.js";
import { positionOf, readPositionAt } from "./mapping.js";
import { readable } from "./subscription.js";

/**
 * One page of `$all` restricted to some categories, filtered by the server. The legacy client's `readAll` has no
 * filter, so a filtered subscription is read until the page is full, the server says it has caught up, or its
 * checkpoints pass the head taken at the start (a server that never says "caught up" cannot hang a read).
 */
export async function readAllFiltered(
  client: EventStoreDBClient,
  { after, maxCount, categories }: { after: number; maxCount: number; categories: readonly string[] },
  headPosition: () => Promise<number>,
): Promise<RecordedEvent[]> {
  const head = await headPosition();
  const page: RecordedEvent[] = [];
  if (head <= after) return page;
  let reachedHead = false;
  let serverPassedHead = false;
  // Matching events before a checkpoint or the caught-up marker may still wait in the buffer: take them first.
  const done = () =>
    page.length >= maxCount || reachedHead || (serverPassedHead && subscription.readableLength === 0);
  // The signals below arrive between items: ending the subscription ends the `for await` that waits for one.
  const stopIfDone = () => {
    if (done()) void subscription.unsubscribe().catch(() => undefined);
  };
  const subscription = client.subscribeToAll({
    fromPosition: after < 0 ? START : readPositionAt(after),
    filter: streamNameFilter({
      prefixes: categories.map((category) => `${category}-`),
      checkpointInterval: 1,
      checkpointReached: (_subscription, position) => {
        if (Number(position.commit) >= head) serverPassedHead = true;
        stopIfDone();
      },
    }),
  });
  subscription.on("caughtUp", () => {
    serverPassedHead = true;
    stopIfDone();
  });
  try {
    for await (const resolved of subscription) {
      const position = positionOf(resolved);
      if (position !== undefined && position > after) {
        const event = readable(resolved, position, categories);
        if (event) page.push(event);
        if (position >= head) reachedHead = true;
      }
      if (done()) break;
    }
  } finally {
    await subscription.unsubscribe().catch(() => undefined);
  }
  return page;
}
