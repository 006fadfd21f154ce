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

  const current = q.streamRevision.get(streamId)?.revision;
  checkExpectedRevision(streamId, expected, current);

  let revision = current ?? -1;
  let position = -1;
  for (const event of events) {
    revision++;
    const info = q.insertEvent.run({
      event_id: event.id,
      stream_id: streamId,
      category: categoryOf(streamId),
      revision,
      type: event.type,
      data: JSON.stringify(event.data ?? null),
      metadata: JSON.stringify(event.metadata),
      recorded_at: recordedAt,
    });
    position = Number(info.lastInsertRowid);
  }
  q.upsertStream.run(streamId, revision);
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
