import { z } from "zod";
import { Id, Instant, PersonName, Text } from "../shared/clinical.js";

/** Dispatcher commands on a unit (HTTP bodies). */
export const TakeUnitOutOfService = z.strictObject({
  reason: Text("long", 1000),
  recordedBy: PersonName,
  occurredAt: Instant,
});

export const ReturnUnitToService = z.strictObject({
  recordedBy: PersonName,
  occurredAt: Instant,
});

export const RecordUnitDisinfected = z.strictObject({
  disinfectedBy: PersonName,
  occurredAt: Instant,
});

/** Commands the service derives from the transfer's own commands (ADR 0009); not HTTP bodies of their own. */
export const AssignUnit = z.strictObject({
  transferId: Id,
  caseId: Id,
  infectious: z.boolean(),
  overrideReason: Text("long", 1000).optional(),
  assignedBy: PersonName,
  occurredAt: Instant,
});

export const RecordUnitStatus = z.strictObject({
  transferId: Id,
  status: z.enum(["at_scene", "transporting", "at_hospital"]),
  occurredAt: Instant,
});

export const ReleaseUnit = z.strictObject({
  transferId: Id,
  reason: z.enum(["handed_over", "cancelled", "dispatch_withdrawn"]),
  occurredAt: Instant,
});

export const unitCommandSchemas = {
  TakeUnitOutOfService,
  ReturnUnitToService,
  RecordUnitDisinfected,
  AssignUnit,
  RecordUnitStatus,
  ReleaseUnit,
} as const;

type Schemas = typeof unitCommandSchemas;
export type UnitCommand = {
  [K in keyof Schemas]: { type: K; ambulanceId: string; data: z.infer<Schemas[K]> };
}[keyof Schemas];
