import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import type { RecordedEvent } from "../port.js";

/** The `prev` of the first event of a stream and of the log. */
export const GENESIS_HASH = "0".repeat(64);

/** The part of an event its writer knows before the store takes it: enough for the per-stream chain. */
export type StreamContent = Pick<
  RecordedEvent,
  "id" | "streamId" | "revision" | "type" | "data" | "metadata"
>;

/** RFC 8785 bytes; the data is JSON the store parsed back, so canonicalisation always yields a string. */
function canonical(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("event content has no JSON form");
  return text;
}

const sha256 = (prev: string, bytes: string): string =>
  createHash("sha256").update(prev, "utf8").update(bytes, "utf8").digest("hex");

/**
 * The per-stream link covers what is fixed when the append is decided (id, stream, revision, type, data,
 * metadata): EventStoreDB assigns the position and the time only at the write (ADR 0006).
 */
export function streamHashOf(prev: string, event: StreamContent): string {
  return sha256(prev, canonical(streamContentOf(event)));
}

/** Exactly the stream content, whatever else the object carries (RFC 8785 sorts the keys). */
const streamContentOf = ({ id, streamId, revision, type, data, metadata }: StreamContent): StreamContent => ({
  id,
  streamId,
  revision,
  type,
  data,
  metadata,
});

/** The global link covers everything an audit relies on, the stream link included. */
export function globalHashOf(prev: string, event: RecordedEvent, streamHash: string): string {
  return sha256(
    prev,
    canonical({
      ...streamContentOf(event),
      position: event.position,
      recordedAt: event.recordedAt,
      streamHash,
    }),
  );
}

/**
 * Both links of an event, from the previous links of its stream and of the log. The same bytes as
 * `streamHashOf` and `globalHashOf` (hashing.unit.spec checks it on generated events), made faster: both links
 * contain the event's data and metadata, which are canonicalised once here, not once per link, and the two
 * objects around them have fixed keys, written in their RFC 8785 order. Every append hashes its events: 16 → 7 µs
 * for a 400-byte event. The verifier keeps the reference functions, so it does not share this shortcut.
 */
export function chainEvent(
  event: RecordedEvent,
  streamPrev: string,
  globalPrev: string,
): { streamHash: string; globalPrev: string; globalHash: string } {
  const data = canonical(event.data);
  const metadata = canonical(event.metadata);
  const id = canonical(event.id);
  const revision = canonical(event.revision);
  const streamId = canonical(event.streamId);
  const type = canonical(event.type);
  const streamHash = sha256(
    streamPrev,
    `{"data":${data},"id":${id},"metadata":${metadata},"revision":${revision},"streamId":${streamId},"type":${type}}`,
  );
  const globalHash = sha256(
    globalPrev,
    `{"data":${data},"id":${id},"metadata":${metadata},"position":${canonical(event.position)},` +
      `"recordedAt":${canonical(event.recordedAt)},"revision":${revision},"streamHash":${canonical(streamHash)},` +
      `"streamId":${streamId},"type":${type}}`,
  );
  return { streamHash, globalPrev, globalHash };
}
