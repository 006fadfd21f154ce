import { z } from "zod";
import { AmbulanceType } from "../reference/reference.js";
import { Instant, RecordedCondition, RecordedId, RecordedText, VitalSigns } from "../shared/clinical.js";
import { RecordedPatientIdentity } from "../shared/identity.js";
import { PatientKind, RiskGrade } from "../shared/risk.js";
import { PreArrivalAlertAcknowledged, PreArrivalAlertRaised, PreArrivalEtaUpdated } from "./preArrival.js";

/** Emergency transfer (转运, 000 §十二) events, stream `transfer-<transferId>`. */

export const TransferRequested = z.strictObject({
  transferId: RecordedId,
  caseId: RecordedId,
  referralId: RecordedId.optional(),
  patientKind: PatientKind,
  patient: RecordedPatientIdentity,
  riskGrade: RiskGrade,
  originInstitutionId: RecordedId, // 转出机构
  destinationInstitutionId: RecordedId, // 转入机构
  /** Derived from the case: monitored for orange/red, infectious-disease for purple, neonatal for newborns. */
  requiredAmbulanceType: z.array(AmbulanceType).min(1),
  /** 000 §十二(五): very critical women travel with an escort from the transferring institution. */
  escortRequired: z.boolean(),
  clinicalSummary: z.string(),
  requestedBy: RecordedText,
  occurredAt: Instant,
});

export const UnitDispatched = z.strictObject({
  transferId: RecordedId,
  ambulanceId: RecordedId,
  ambulanceType: AmbulanceType,
  dispatchedBy: RecordedText,
  /** Present when the unit's type does not satisfy the requirement: the dispatcher's explicit reason. */
  overrideReason: z.string().min(1).optional(),
  occurredAt: Instant,
});

export const UnitArrivedAtOrigin = z.strictObject({ transferId: RecordedId, occurredAt: Instant });

/** Departure (转出时间, 转出时状况), 000 §十二(五)(十). */
export const TransferDeparted = z.strictObject({
  transferId: RecordedId,
  condition: RecordedCondition,
  escorts: z.array(RecordedText), // 护送人员
  clinicalRecordHandedOver: z.boolean(), // 病历资料随行
  occurredAt: Instant,
});

/** En-route observation or treatment (途中救治), 000 §十二(十). */
export const EnRouteCareRecorded = z.strictObject({
  transferId: RecordedId,
  kind: z.enum(["observation", "treatment"]),
  description: z.string().min(1),
  performedBy: RecordedText,
  vitalSigns: VitalSigns.optional(),
  occurredAt: Instant,
});

/** Remote (video) guidance to the escort en route, 000 §十二(七). */
export const RemoteGuidanceGiven = z.strictObject({
  transferId: RecordedId,
  expert: RecordedText,
  channel: z.enum(["video", "phone"]),
  advice: z.string().min(1),
  occurredAt: Instant,
});

export const TransferArrived = z.strictObject({
  transferId: RecordedId,
  institutionId: RecordedId,
  occurredAt: Instant,
}); // 到达

/** RecordedCondition handover (病情移交), 000 §十二(十): both handover persons by name. */
export const HandoverCompleted = z.strictObject({
  transferId: RecordedId,
  handedOverBy: RecordedText,
  receivedBy: RecordedText,
  condition: RecordedCondition,
  documents: z.array(z.string().min(1)),
  occurredAt: Instant,
});

export const TransferDiverted = z.strictObject({
  transferId: RecordedId,
  fromInstitutionId: RecordedId,
  toInstitutionId: RecordedId,
  reason: z.string().min(1),
  divertedBy: RecordedText,
  occurredAt: Instant,
});

export const TransferCancelled = z.strictObject({
  transferId: RecordedId,
  cancelledBy: RecordedText,
  reason: z.string().min(1),
  occurredAt: Instant,
});

export const transferEventSchemas = {
  TransferRequested,
  UnitDispatched,
  UnitArrivedAtOrigin,
  TransferDeparted,
  EnRouteCareRecorded,
  RemoteGuidanceGiven,
  TransferArrived,
  HandoverCompleted,
  TransferDiverted,
  TransferCancelled,
  PreArrivalAlertRaised,
  PreArrivalEtaUpdated,
  PreArrivalAlertAcknowledged,
} as const;

type Schemas = typeof transferEventSchemas;
export type TransferEvent = { [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> } }[keyof Schemas];
