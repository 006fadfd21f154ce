import { chainEvent, GENESIS_HASH } from "../integrity/hashing.js";
import type { EventMetadata } from "../port.js";
import {
  type AppendResult,
  categoryOf,
  EventIdConflictError,
  type ExpectedRevision,
  type NewEvent,
  WrongExpectedRevisionError,
} from "../port.js";
import type { Statements } from "./statements.js";

/** The expected-revision rule shared with EventStoreDB; `current` is undefined for a missing stream. */
export function checkExpectedRevision(
  streamId: string,
  expected: ExpectedRevision,
  current: number | undefined,
): void {
  const ok =
    expected === "any" ||
    (expected === "no_stream" && current === undefined) ||
    (expected === "stream_exists" && current !== undefined) ||
    expected === current;
  if (!ok) throw new WrongExpectedRevisionError(streamId, expected, current ?? "no_stream");
}

/** Runs inside a transaction (or savepoint): dedup by event id, check the revision, insert. */
export function appendInTransaction(
  q: Statements,
  streamId: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
  recordedAt: string,
): AppendResult {
  const repeated = findRepeatedAppend(q, streamId, events);
  if (repeated) return repeated;

  const head = q.streamHead.get(streamId);
  const current = head?.revision;
  checkExpectedRevision(streamId, expected, current);

  let revision = current ?? -1;
  // Both chains continue from what the file holds now, inside this write transaction (ADR 0006); a row missing
  // its hash chains on from genesis and fails verification visibly.
  let streamPrev = head?.stream_hash ?? GENESIS_HASH;
  const last = q.lastGlobal.get();
  let globalPrev = last?.global_hash ?? GENESIS_HASH;
  let position = Math.max(last?.position ?? 0, q.usedPosition.get()?.seq ?? 0);
  for (const event of events) {
    revision++;
    position++;
    const data = JSON.stringify(event.data ?? null);
    const metadata = JSON.stringify(event.metadata);
    // Hashed as it will be read back, so that what a reader re-hashes is byte for byte what was chained.
    const links = chainEvent(
      {
        id: event.id,
        streamId,
        revision,
        position,
        type: event.type,
        data: JSON.parse(data) as unknown,
        metadata: JSON.parse(metadata) as EventMetadata,
        recordedAt,
      },
      streamPrev,
      globalPrev,
    );
    q.insertEvent.run({
      position,
      event_id: event.id,
      stream_id: streamId,
      category: categoryOf(streamId),
      revision,
      type: event.type,
      data,
      metadata,
      recorded_at: recordedAt,
      stream_hash: links.streamHash,
      global_prev: globalPrev,
      global_hash: links.globalHash,
    });
    streamPrev = links.streamHash;
    globalPrev = links.globalHash;
  }
  return { nextExpectedRevision: revision, position };
}

/** A retried command: all ids already in this stream → the first append's result; a partial match is a bug. */
function findRepeatedAppend(
  q: Statements,
  streamId: string,
  events: readonly NewEvent[],
): AppendResult | undefined {
  const stored = events.map((event) => ({ id: event.id, row: q.eventById.get(event.id) }));
  if (stored.every(({ row }) => row === undefined)) return undefined;

  let result: AppendResult = { nextExpectedRevision: -1, position: -1 };
  for (const { id, row } of stored) {
    if (!row) throw new EventIdConflictError(streamId, id, "is new but others of the same append are stored");
    if (row.stream_id !== streamId)
      throw new EventIdConflictError(streamId, id, `is in stream ${row.stream_id}`);
    if (row.position > result.position)
      result = { nextExpectedRevision: row.revision, position: row.position };
  }
  return result;
}
