import {
  type AllStreamResolvedEvent,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  type ReadPosition,
  type ReadRevision,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from "@eventstore/db-client";
import { GENESIS_HASH, streamHashOf } from "../integrity/hashing.js";
import {
  type AppendResult,
  type ChainedEvent,
  EventIdConflictError,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from "../port.js";
import { checkExpectedRevision } from "../sqlite/appendInTransaction.js";
import { claim, complete } from "./claims.js";
import { classifyEsdbError, guardedEsdb } from "./errors.js";
import { readAllFiltered } from "./filteredRead.js";
import { CHAIN_STREAM, createChainIndex, type StoredEvent, startChainer } from "./globalChain.js";
import {
  fromEsdbCurrentRevision,
  positionOf,
  readPositionAt,
  toEventData,
  toRecordedEvent,
  toStoredEvent,
} from "./mapping.js";
import { createSemaphore } from "./semaphore.js";
import { startEsdbSubscription } from "./subscription.js";

const PAGE_SIZE = 500;
const DEFAULT_APPENDS_IN_FLIGHT = 8;

export interface EventStoreDbEventStoreOptions {
  /** e.g. `esdb://localhost:2113?tls=false` */
  connectionString: string;
  maxAppendsInFlight?: number;
  /** Run the global chainer (ADR 0006) in this process; every service instance may, one wins each round. */
  chainer?: boolean;
  /** A failed chainer round is retried on the next; this hears about it (the service logs it). */
  onChainerError?: (error: unknown) => void;
}

/** Appends to a stream with `any` or `stream_exists` retry this often when another writer moved its tail. */
const CHAIN_RETRIES = 20;

export function openEventStoreDbEventStore({
  connectionString,
  maxAppendsInFlight = DEFAULT_APPENDS_IN_FLIGHT,
  chainer = true,
  onChainerError = () => undefined,
}: EventStoreDbEventStoreOptions): EventStore {
  const client = EventStoreDBClient.connectionString(connectionString);
  const chainIndex = createChainIndex(client);
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

  async function readAllPage(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const { after = -1, maxCount = PAGE_SIZE, categories } = options;
    if (categories) return readAllFiltered(client, { after, maxCount, categories }, headPosition);
    return (await readStoredPage(options)).map((stored) => stored.event);
  }

  /** A page of `$all` with each event's stream link; `chained` leaves out the links stream itself. */
  async function readStoredPage(
    { after = -1, maxCount = PAGE_SIZE, categories }: ReadAllOptions,
    chained = false,
  ): Promise<StoredEvent[]> {
    const page: StoredEvent[] = [];
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
        const stored = toStoredEvent(resolved, categories);
        if (stored && !(chained && stored.event.streamId === CHAIN_STREAM) && page.length < maxCount)
          page.push(stored);
      }
      if (count < PAGE_SIZE) break;
      from = readPositionAt(cursor);
    }
    return page;
  }

  /** The stream's last revision and link, read from the server under the append's expected-revision control. */
  async function streamTail(streamId: string): Promise<{ revision: number; hash: string } | undefined> {
    try {
      for await (const resolved of client.readStream(streamId, {
        direction: BACKWARDS,
        fromRevision: END,
        maxCount: 1,
      })) {
        const stored = resolved.event && toStoredEvent(resolved);
        if (stored) return { revision: stored.event.revision, hash: stored.streamHash ?? GENESIS_HASH };
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return undefined;
  }

  /**
   * The per-stream link is computed from the tail read just before, and the append names that tail's revision:
   * if another writer got in between, the append fails and (for `any`/`stream_exists`) is re-chained (ADR 0006).
   */
  async function appendChained(
    streamId: string,
    events: readonly NewEvent[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    for (let attempt = 0; ; attempt++) {
      const tail = await streamTail(streamId);
      checkExpectedRevision(streamId, expectedRevision, tail?.revision);
      let prev = tail?.hash ?? GENESIS_HASH;
      let revision = tail?.revision ?? -1;
      const data = events.map((event) => {
        revision++;
        // Hashed as read back: JSON round trip, as the SQLite adapter does.
        prev = streamHashOf(prev, {
          id: event.id,
          streamId,
          revision,
          type: event.type,
          data: JSON.parse(JSON.stringify(event.data ?? null)) as unknown,
          metadata: JSON.parse(JSON.stringify(event.metadata)) as NewEvent["metadata"],
        });
        return toEventData(event, prev);
      });
      try {
        const result = await client.appendToStream(streamId, data, {
          expectedRevision: tail ? BigInt(tail.revision) : NO_STREAM,
        });
        // No position: the server took it as an idempotent repeat of a racing retry.
        if (result.position === undefined)
          return (await findEarlierAppend(streamId, events)) ?? noPosition(result);
        return {
          nextExpectedRevision: Number(result.nextExpectedRevision),
          position: Number(result.position.commit),
        };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        const raced = await findEarlierAppend(streamId, events);
        if (raced) return raced;
        const mayRetry = expectedRevision === "any" || expectedRevision === "stream_exists";
        if (!mayRetry || attempt >= CHAIN_RETRIES)
          throw new WrongExpectedRevisionError(
            streamId,
            expectedRevision,
            fromEsdbCurrentRevision(error.actualVersion),
          );
      }
    }
  }

  /** Joins events with the global links the chainer recorded; stops at the first event not linked yet. */
  async function withGlobalLinks(stored: readonly StoredEvent[]): Promise<ChainedEvent[]> {
    const first = stored[0];
    const last = stored.at(-1);
    if (!first || !last) return [];
    await chainIndex.refresh();
    const links = await chainIndex.linksFor(first.event.position, last.event.position);
    const chained: ChainedEvent[] = [];
    for (const { event, streamHash } of stored) {
      const link = links.get(event.position);
      if (!link) break;
      chained.push({ ...event, streamHash, globalPrev: link.globalPrev, globalHash: link.globalHash });
    }
    return chained;
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

  const chainerRun = chainer
    ? startChainer(client, (after, maxCount) => readStoredPage({ after, maxCount }, true), {
        onError: onChainerError,
      })
    : undefined;

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
          const result = await appendChained(streamId, events, expectedRevision);
          await complete(client, first, result, ids);
          return result;
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

    readChain: ({ after = -1, maxCount = PAGE_SIZE } = {}) =>
      guardedEsdb(async () => withGlobalLinks(await readStoredPage({ after, maxCount }, true))),

    async *readStreamChain(streamId: string) {
      const page: StoredEvent[] = [];
      try {
        for await (const resolved of client.readStream(streamId, {
          direction: FORWARDS,
          fromRevision: START,
        })) {
          const stored = toStoredEvent(resolved);
          if (stored) page.push(stored);
          if (page.length === PAGE_SIZE) yield* await withGlobalLinks(page.splice(0));
        }
      } catch (error) {
        if (!(error instanceof StreamNotFoundError)) throw error;
      }
      yield* await withGlobalLinks(page);
    },

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
      await chainerRun?.close();
      await Promise.all([...subscriptions].map((subscription) => subscription.close()));
      await client.dispose();
    },
  };
}

function noPosition(result: { nextExpectedRevision: bigint }): AppendResult {
  return { nextExpectedRevision: Number(result.nextExpectedRevision), position: -1 };
}
