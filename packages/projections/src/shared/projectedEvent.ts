import { type DomainEvent, parseDomainEvent } from "@mtc/domain";
import type { RecordedEvent } from "@mtc/eventstore";

/** Everything the store recorded about an event except its raw type and data, which live in `event`. */
export type RecordedHeader = Omit<RecordedEvent, "type" | "data">;

/** A recorded event whose data has been parsed into a domain event: reducers never see untrusted data. */
export interface ProjectedEvent {
  event: DomainEvent;
  recorded: RecordedHeader;
}

export type ProjectResult = { ok: true; projected: ProjectedEvent } | { ok: false; reason: string };

/** Parses a stored event (upcasting old schema versions) into a `ProjectedEvent`. */
export const toProjectedEvent = (recorded: RecordedEvent): ProjectResult => {
  const parsed = parseDomainEvent(recorded.type, recorded.data, recorded.metadata.schemaVersion);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  const { type: _type, data: _data, ...header } = recorded;
  return { ok: true, projected: { event: parsed.event, recorded: header } };
};

/** Minutes between two ISO instants (b − a). */
export const minutesBetween = (a: string, b: string | Date): number =>
  ((typeof b === "string" ? Date.parse(b) : b.getTime()) - Date.parse(a)) / 60_000;
