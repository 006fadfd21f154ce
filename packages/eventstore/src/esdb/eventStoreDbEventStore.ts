import {
  type AllStreamResolvedEvent,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  type ReadPosition,
  type ReadRevision,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from "@eventstore/db-client";
import {
  type AppendResult,
  EventIdConflictError,
  type EventStore,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from "../port.js";
import { claim, complete } from "./claims.js";
import { classifyEsdbError, guardedEsdb } from "./errors.js";
import { readAllFiltered } from "./filteredRead.js";
import {
  fromEsdbCurrentRevision,
  positionOf,
  readPositionAt,
  toEsdbExpectedRevision,
  toEventData,
  toRecordedEvent,
} from "./mapping.js";
import { createSemaphore } from "./semaphore.js";
import { startEsdbSubscription } from "./subscription.js";

const PAGE_SIZE = 500;
const DEFAULT_APPENDS_IN_FLIGHT = 8;

export interface EventStoreDbEventStoreOptions {
  /** e.g. `esdb://localhost:2113?tls=false` */
  connectionString: string;
  maxAppendsInFlight?: number;
}

export function openEventStoreDbEventStore({
  connectionString,
  maxAppendsInFlight = DEFAULT_APPENDS_IN_FLIGHT,
}: EventStoreDbEventStoreOptions): EventStore {
  const client = EventStoreDBClient.connectionString(connectionString);
  const limitAppends = createSemaphore(maxAppendsInFlight);
  const subscriptions = new Set<{ close(): Promise<void> }>();

  /** Reads a stream backwards, in pages, for our event ids: the earlier result of a retried command, if any. */
  async function findEarlierAppend(
    streamId: string,
    events: readonly NewEvent[],
  ): Promise<AppendResult | undefined> {
    const wanted = new Set(events.map((event) => event.id));
    const found = new Map<string, AppendResult>();
    let from: ReadRevision = END;
    try {
      for (;;) {
        let count = 0;
        let lowest: bigint | undefined;
        for await (const resolved of client.readStream(streamId, {
          direction: BACKWARDS,
          fromRevision: from,
          maxCount: PAGE_SIZE,
        })) {
          count++;
          const event = resolved.event;
          if (!event) continue;
          lowest = event.revision;
          if (wanted.has(event.id)) {
            found.set(event.id, {
              nextExpectedRevision: Number(event.revision),
              position: positionOf(resolved) ?? -1,
            });
          }
        }
        if (found.size === wanted.size || count < PAGE_SIZE || lowest === undefined || lowest === 0n) break;
        from = lowest - 1n;
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return undefined;
      throw error;
    }
    if (found.size === 0) return undefined;
    const missing = events.find((event) => !found.has(event.id));
    if (missing)
      throw new EventIdConflictError(streamId, missing.id, "is new but others of the same append are stored");
    return [...found.values()].reduce((last, result) => (result.position > last.position ? result : last));
  }

  async function readAllPage({
    after = -1,
    maxCount = PAGE_SIZE,
    categories,
  }: ReadAllOptions): Promise<RecordedEvent[]> {
    if (categories) return readAllFiltered(client, { after, maxCount, categories }, headPosition);
    const page: RecordedEvent[] = [];
    let cursor = after;
    let from: ReadPosition = after < 0 ? START : readPositionAt(after);
    // System events and other categories are skipped client-side, so one page may take several server reads.
    while (page.length < maxCount) {
      let count = 0;
      for await (const resolved of client.readAll({
        fromPosition: from,
        maxCount: PAGE_SIZE,
        direction: FORWARDS,
      })) {
        count++;
        const position = positionOf(resolved);
        if (position === undefined || position <= cursor) continue;
        cursor = position;
        const event = toRecordedEvent(resolved, categories);
        if (event && page.length < maxCount) page.push(event);
      }
      if (count < PAGE_SIZE) break;
      from = readPositionAt(cursor);
    }
    return page;
  }

  async function readHead(): Promise<number> {
    let from: ReadPosition = END;
    for (;;) {
      let count = 0;
      let last: AllStreamResolvedEvent | undefined;
      for await (const resolved of client.readAll({
        fromPosition: from,
        maxCount: PAGE_SIZE,
        direction: BACKWARDS,
      })) {
        count++;
        last = resolved;
        if (toRecordedEvent(resolved)) return positionOf(resolved) ?? -1;
      }
      const position = last && positionOf(last);
      if (count < PAGE_SIZE || position === undefined) return -1;
      // Backwards reads exclude the event at `from`, so the last one seen is the next starting point.
      from = readPositionAt(position);
    }
  }

  const headPosition = () => guardedEsdb(readHead);

  return {
    kind: "eventstoredb",

    append(streamId, events, expectedRevision) {
      if (events.length === 0) return Promise.reject(new Error(`stream ${streamId}: append needs events`));
      return guardedEsdb(() =>
        limitAppends(async () => {
          const first = (events[0] as NewEvent).id;
          const ids = events.map((event) => event.id);
          const standing = await claim(client, first, streamId);
          if (standing.streamId !== streamId)
            throw new EventIdConflictError(streamId, first, `is in stream ${standing.streamId}`);
          if (standing.completed) {
            const same =
              standing.completed.eventIds.length === ids.length &&
              standing.completed.eventIds.every((id, i) => id === ids[i]);
            if (!same)
              throw new EventIdConflictError(streamId, first, "was appended with other events beside it");
            return standing.completed.result;
          }
          // Claimed but not completed: a crash after the write, or a racing retry, may have written it already.
          const earlier = await findEarlierAppend(streamId, events);
          if (earlier) {
            await complete(client, first, earlier, ids);
            return earlier;
          }
          try {
            const appended = await client.appendToStream(streamId, events.map(toEventData), {
              expectedRevision: toEsdbExpectedRevision(expectedRevision),
            });
            // No position: the server took it as an idempotent repeat of a racing retry.
            const result =
              appended.position === undefined
                ? ((await findEarlierAppend(streamId, events)) ?? noPosition(appended))
                : {
                    nextExpectedRevision: Number(appended.nextExpectedRevision),
                    position: Number(appended.position.commit),
                  };
            await complete(client, first, result, ids);
            return result;
          } catch (error) {
            if (!(error instanceof WrongExpectedVersionError)) throw error;
            const raced = await findEarlierAppend(streamId, events);
            if (raced) return raced;
            throw new WrongExpectedRevisionError(
              streamId,
              expectedRevision,
              fromEsdbCurrentRevision(error.actualVersion),
            );
          }
        }),
      );
    },

    async *readStream(streamId: string, { fromRevision = 0, maxCount = PAGE_SIZE }: ReadStreamOptions = {}) {
      let next = BigInt(fromRevision);
      for (;;) {
        let count = 0;
        let last: bigint | undefined;
        try {
          for await (const resolved of client.readStream(streamId, {
            fromRevision: next,
            maxCount,
            direction: FORWARDS,
          })) {
            count++;
            last = resolved.event?.revision ?? last;
            const event = toRecordedEvent(resolved);
            if (event) yield event;
          }
        } catch (error) {
          if (error instanceof StreamNotFoundError) return;
          throw classifyEsdbError(error) ?? error;
        }
        if (count < maxCount || last === undefined) return;
        next = last + 1n;
      }
    },

    readAll: (options = {}) => guardedEsdb(() => readAllPage(options)),

    subscribeAll(options) {
      const subscription = startEsdbSubscription(client, options, headPosition);
      subscriptions.add(subscription);
      const forget = () => subscriptions.delete(subscription);
      subscription.done.then(forget, forget);
      return subscription;
    },

    headPosition,

    probe: () =>
      guardedEsdb(async () => {
        // One event read backwards from the end: the cheapest round trip that proves the node serves reads.
        for await (const _ of client.readAll({ fromPosition: END, maxCount: 1, direction: BACKWARDS })) break;
      }),

    async close() {
      await Promise.all([...subscriptions].map((subscription) => subscription.close()));
      await client.dispose();
    },
  };
}

function noPosition(result: { nextExpectedRevision: bigint }): AppendResult {
  return { nextExpectedRevision: Number(result.nextExpectedRevision), position: -1 };
}
