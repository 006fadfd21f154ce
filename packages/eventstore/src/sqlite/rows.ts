import type { ChainedEvent, EventMetadata, RecordedEvent } from "../port.js";

export interface EventRow {
  position: number;
  event_id: string;
  stream_id: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
}

export function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamId: row.stream_id,
    revision: row.revision,
    position: row.position,
    type: row.type,
    data: JSON.parse(row.data) as unknown,
    metadata: JSON.parse(row.metadata) as EventMetadata,
    recordedAt: row.recorded_at,
  };
}

export interface ChainRow extends EventRow {
  stream_hash: string | null;
  global_prev: string | null;
  global_hash: string | null;
}

export function toChainedEvent(row: ChainRow): ChainedEvent {
  return {
    ...toRecordedEvent(row),
    streamHash: row.stream_hash,
    globalPrev: row.global_prev,
    globalHash: row.global_hash,
  };
}
