import {
  ANY,
  type AppendExpectedRevision,
  type CurrentRevision,
  type EventData,
  type JSONType,
  jsonEvent,
  NO_STREAM,
  type Position,
  type ResolvedEvent,
  STREAM_EXISTS,
} from "@eventstore/db-client";
import {
  categoryOf,
  type EventMetadata,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
} from "../port.js";
import { CLAIM_CATEGORY } from "./claims.js";

/** The legacy client's `expectedRevision` vocabulary (the successor calls it `streamState`) stays in here. */
export function toEsdbExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case "no_stream":
      return NO_STREAM;
    case "stream_exists":
      return STREAM_EXISTS;
    case "any":
      return ANY;
    default:
      return BigInt(expected);
  }
}

export function fromEsdbCurrentRevision(actual: CurrentRevision): number | "no_stream" {
  return actual === NO_STREAM || actual < 0n ? "no_stream" : Number(actual);
}

/** Metadata key that carries the per-stream link in EventStoreDB (ADR 0006); not part of the hashed metadata. */
export const STREAM_HASH_KEY = "mtcStreamHash";

export function toEventData(event: NewEvent, streamHash?: string): EventData {
  return jsonEvent({
    id: event.id,
    type: event.type,
    // The client types JSON as object | array | string; any JSON value serialises the same way.
    data: event.data as JSONType,
    metadata: {
      ...event.metadata,
      $correlationId: event.metadata.caseId,
      $causationId: event.metadata.causationId,
      ...(streamHash ? { [STREAM_HASH_KEY]: streamHash } : {}),
    },
  });
}

/**
 * Our position is the event's commit position. It is a byte offset in the transaction log, so it stays below
 * 2^53 (8 PiB) and is exact in a JS number. Since 20.x every event of an append has its own log position and
 * commit = prepare = that position, so it is unique and strictly increasing across $all.
 */
export function positionOf(resolved: ResolvedEvent): number | undefined {
  const commit = resolved.event?.position?.commit ?? resolved.commitPosition;
  return commit === undefined ? undefined : Number(commit);
}

/** Reading from {p, p} is inclusive of the event at p; callers drop it to make `after` exclusive. */
export function readPositionAt(position: number): Position {
  return { commit: BigInt(position), prepare: BigInt(position) };
}

/** System streams, and the adapter's own id claims (claims.ts): neither is part of the log the port shows. */
export const isSystemStream = (streamId: string): boolean =>
  streamId.startsWith("$") || categoryOf(streamId) === CLAIM_CATEGORY;

/** Our RecordedEvent, or undefined for what the contract does not show: system events, other categories. */
export function toRecordedEvent(
  resolved: ResolvedEvent,
  categories?: readonly string[],
): RecordedEvent | undefined {
  return toStoredEvent(resolved, categories)?.event;
}

/** The event with the per-stream link its append stored beside it (null for events written before the chain). */
export function toStoredEvent(
  resolved: ResolvedEvent,
  categories?: readonly string[],
): { event: RecordedEvent; streamHash: string | null } | undefined {
  const event = resolved.event;
  if (!event || isSystemStream(event.streamId) || event.type.startsWith("$")) return undefined;
  if (categories && !categories.includes(categoryOf(event.streamId))) return undefined;
  const {
    $correlationId: _correlation,
    $causationId: _causation,
    [STREAM_HASH_KEY]: streamHash,
    ...metadata
  } = parseJson(event.metadata) as Record<string, unknown>;
  const recorded: RecordedEvent = {
    id: event.id,
    streamId: event.streamId,
    revision: Number(event.revision),
    position: positionOf(resolved) ?? -1,
    type: event.type,
    data: parseJson(event.data),
    metadata: metadata as unknown as EventMetadata,
    recordedAt: event.created.toISOString(),
  };
  return { event: recorded, streamHash: typeof streamHash === "string" ? streamHash : null };
}

function parseJson(value: unknown): unknown {
  return value instanceof Uint8Array ? JSON.parse(Buffer.from(value).toString("utf8")) : value;
}
