import { z } from "zod";
import { Instant, RecordedId, RecordedText } from "../shared/clinical.js";

/**
 * Ambulance unit (急救单元) events, stream `unit-<ambulanceId>`: the status the dispatch centre maintains,
 * 000 §十二(二)(六), R-TRF-5. Events tied to a transfer carry its `transferId` and `caseId`.
 */

export const UnitStatus = z.enum([
  "available", // 待命
  "dispatched", // 已派出
  "at_scene", // 到达转出机构
  "transporting", // 转运途中
  "at_hospital", // 到达转入机构
  "back_in_service", // 任务结束返回, 可接新任务
  "out_of_service", // 停用 (检修、缺员)
  "disinfection_pending", // 传染病转运后待消毒, R-TRF-5
]);
export type UnitStatus = z.infer<typeof UnitStatus>;

/** The unit is claimed by a transfer; appended before the transfer's `UnitDispatched` (ADR 0009). */
export const UnitAssigned = z.strictObject({
  ambulanceId: RecordedId,
  transferId: RecordedId,
  caseId: RecordedId,
  /** She has an infectious disease (purple): the unit must be disinfected after carrying her, R-TRF-5. */
  infectious: z.boolean(),
  /** The status it was taken from; anything but available or back in service needs an override reason. */
  previousStatus: UnitStatus,
  overrideReason: z.string().min(1).optional(),
  assignedBy: RecordedText,
  occurredAt: Instant,
});

/** A step of its transfer moved the unit: at the origin, carrying her, at the receiving hospital. */
export const UnitStatusRecorded = z.strictObject({
  ambulanceId: RecordedId,
  transferId: RecordedId,
  caseId: RecordedId,
  status: z.enum(["at_scene", "transporting", "at_hospital"]),
  occurredAt: Instant,
});

/** The transfer ended for the unit (handover, cancellation, or the dispatch was not carried out). */
export const UnitReleased = z.strictObject({
  ambulanceId: RecordedId,
  transferId: RecordedId,
  caseId: RecordedId,
  reason: z.enum(["handed_over", "cancelled", "dispatch_withdrawn"]),
  /** She was carried and is infectious: the unit waits for disinfection, 000 §十二(六), R-TRF-5. */
  disinfectionRequired: z.boolean(),
  occurredAt: Instant,
});

/** 000 §十二(六): 做好车辆消毒. Who disinfected it and when. */
export const UnitDisinfected = z.strictObject({
  ambulanceId: RecordedId,
  /** The infectious transfer it was disinfected after. */
  transferId: RecordedId,
  caseId: RecordedId,
  disinfectedBy: RecordedText,
  occurredAt: Instant,
});

export const UnitTakenOutOfService = z.strictObject({
  ambulanceId: RecordedId,
  reason: z.string().min(1),
  recordedBy: RecordedText,
  occurredAt: Instant,
});

export const UnitReturnedToService = z.strictObject({
  ambulanceId: RecordedId,
  recordedBy: RecordedText,
  occurredAt: Instant,
});

export const unitEventSchemas = {
  UnitAssigned,
  UnitStatusRecorded,
  UnitReleased,
  UnitDisinfected,
  UnitTakenOutOfService,
  UnitReturnedToService,
} as const;

type Schemas = typeof unitEventSchemas;
export type UnitEvent = { [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> } }[keyof Schemas];
