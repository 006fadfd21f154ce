import type { z } from "zod";
import { type BloodEvent, bloodEventSchemas } from "./blood/events.js";
import { type MdtEvent, mdtEventSchemas } from "./mdt/events.js";
import { type ReferralEvent, referralEventSchemas } from "./referral/events.js";
import { type TransferEvent, transferEventSchemas } from "./transfer/events.js";
import { type UnitEvent, unitEventSchemas } from "./unit/events.js";

/** Every domain event, as `{ type, data }`. */
export type DomainEvent = ReferralEvent | TransferEvent | UnitEvent | BloodEvent | MdtEvent;
export type DomainEventType = DomainEvent["type"];

const schemas: Record<DomainEventType, z.ZodType> = {
  ...referralEventSchemas,
  ...transferEventSchemas,
  ...unitEventSchemas,
  ...bloodEventSchemas,
  ...mdtEventSchemas,
};

/** Current schema version of each event's data; bump it and add an upcaster when a shape changes. */
export const CURRENT_SCHEMA_VERSION = 1;

/**
 * Upcasters: `upcasters[type][fromVersion]` turns data of that version into the next one. Old events are
 * upcast on read, never rewritten.
 */
const upcasters: Partial<Record<DomainEventType, Record<number, (data: unknown) => unknown>>> = {};

export type EventParseResult = { ok: true; event: DomainEvent } | { ok: false; reason: string };

/** Parses a stored event into a domain event: events read back from the store are parsed, not trusted. */
export const parseDomainEvent = (
  type: string,
  data: unknown,
  schemaVersion = CURRENT_SCHEMA_VERSION,
): EventParseResult => {
  if (!Object.hasOwn(schemas, type)) return { ok: false, reason: `unknown event type ${type}` };
  const eventType = type as DomainEventType;
  let current = data;
  for (let version = schemaVersion; version < CURRENT_SCHEMA_VERSION; version++) {
    const upcast = upcasters[eventType]?.[version];
    if (!upcast) return { ok: false, reason: `no upcaster for ${type} from schema version ${version}` };
    current = upcast(current);
  }
  if (schemaVersion > CURRENT_SCHEMA_VERSION) {
    return { ok: false, reason: `${type} has schema version ${schemaVersion}, newer than this code knows` };
  }
  const parsed = schemas[eventType].safeParse(current);
  if (!parsed.success) return { ok: false, reason: `${type}: ${parsed.error.message}` };
  return { ok: true, event: { type: eventType, data: parsed.data } as DomainEvent };
};

export const referralStreamId = (referralId: string): string => `referral-${referralId}`;
export const transferStreamId = (transferId: string): string => `transfer-${transferId}`;
/** An ambulance's status stream (R-TRF-5, issue 9 §4); ambulance ids come from the reference data. */
export const unitStreamId = (ambulanceId: string): string => `unit-${ambulanceId}`;
export const bloodStreamId = (bloodRequestId: string): string => `blood-${bloodRequestId}`;
export const mdtStreamId = (mdtId: string): string => `mdt-${mdtId}`;
