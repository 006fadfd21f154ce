import {
  bloodEventSchemas,
  CURRENT_SCHEMA_VERSION,
  type DomainEvent,
  mdtEventSchemas,
  parseDomainEvent,
  referralEventSchemas,
  transferEventSchemas,
  unitEventSchemas,
} from "@mtc/domain";
import type { RecordedEvent } from "@mtc/eventstore";

/** Everything the store recorded about an event except its raw type and data, which live in `event`. */
export type RecordedHeader = Omit<RecordedEvent, "type" | "data">;

/** A recorded event whose data has been read into a domain event. */
export interface ProjectedEvent {
  event: DomainEvent;
  recorded: RecordedHeader;
}

export type ProjectResult = { ok: true; projected: ProjectedEvent } | { ok: false; reason: string };

const isDomainType = (type: string): boolean =>
  Object.hasOwn(referralEventSchemas, type) ||
  Object.hasOwn(transferEventSchemas, type) ||
  Object.hasOwn(unitEventSchemas, type) ||
  Object.hasOwn(bloodEventSchemas, type) ||
  Object.hasOwn(mdtEventSchemas, type);

/**
 * Reads a stored event into a `ProjectedEvent`. Events of the current schema version were written by the
 * deciders from zod-validated commands, typed by the same event schemas, so they are trusted here and only
 * checked for the shape every reducer relies on; older versions go through the upcasters and the schema
 * (ADR 7: re-validating every event with zod made a rebuild several times slower than reading the log). An
 * event that still breaks a reducer fails only its own document.
 */
export const toProjectedEvent = (recorded: RecordedEvent): ProjectResult => {
  const { type, data } = recorded;
  // The recorded event itself serves as the header (no copy per event): reducers read only header fields.
  if (recorded.metadata.schemaVersion === CURRENT_SCHEMA_VERSION && isDomainType(type)) {
    if (
      typeof data !== "object" ||
      data === null ||
      typeof (data as { occurredAt?: unknown }).occurredAt !== "string"
    )
      return { ok: false, reason: `${type}: data is not an object with occurredAt` };
    return { ok: true, projected: { event: { type, data } as DomainEvent, recorded } };
  }
  const parsed = parseDomainEvent(type, data, recorded.metadata.schemaVersion);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  return { ok: true, projected: { event: parsed.event, recorded } };
};

/** Minutes between two ISO instants (b − a). */
export const minutesBetween = (a: string, b: string | Date): number =>
  ((typeof b === "string" ? Date.parse(b) : b.getTime()) - Date.parse(a)) / 60_000;
