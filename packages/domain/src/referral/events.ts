import { z } from "zod";
import { Instant, RecordedId, RecordedText } from "../shared/clinical.js";
import { RecordedPatientIdentity } from "../shared/identity.js";
import { PatientKind, RiskGrade, Urgency } from "../shared/risk.js";

/** Referral (转诊) events, stream `referral-<referralId>`. Every event carries `occurredAt`, the time the user gives. */

export const ReferralRequested = z.strictObject({
  referralId: RecordedId,
  caseId: RecordedId,
  patientKind: PatientKind,
  patient: RecordedPatientIdentity,
  gestationalWeeks: z.number().optional(),
  riskGrade: RiskGrade,
  urgency: Urgency,
  reasons: z.array(z.string()).min(1), // 转诊原因
  clinicalSummary: z.string(), // 病情摘要
  fromInstitutionId: RecordedId, // 转出机构
  toInstitutionId: RecordedId, // 转入机构
  /** true when the destination came from the responsibility zone (000 §十一) rather than the requester. */
  destinationFromZone: z.boolean(),
  requestedBy: RecordedText,
  occurredAt: Instant, // 转诊时间
});

export const ReferralAccepted = z.strictObject({
  referralId: RecordedId,
  institutionId: RecordedId,
  acceptedBy: RecordedText,
  expectedArrivalAt: Instant.optional(),
  occurredAt: Instant,
});

export const ReferralDeclined = z.strictObject({
  referralId: RecordedId,
  institutionId: RecordedId,
  declinedBy: RecordedText,
  reason: z.string().min(1),
  occurredAt: Instant,
});

export const ReferralRedirected = z.strictObject({
  referralId: RecordedId,
  fromInstitutionId: RecordedId,
  toInstitutionId: RecordedId,
  reason: z.string().min(1),
  redirectedBy: RecordedText,
  occurredAt: Instant,
});

/** Difficulty reported upward to the health administration, which coordinates (000 §十(六), §十一(七)). */
export const ReferralEscalated = z.strictObject({
  referralId: RecordedId,
  escalatedBy: RecordedText,
  difficulty: z.string().min(1),
  occurredAt: Instant,
});

/** Reception (接诊) with the handover person (交接人), 000 §十八(二). */
export const PatientReceived = z.strictObject({
  referralId: RecordedId,
  institutionId: RecordedId,
  receivedBy: RecordedText,
  handedOverBy: RecordedText,
  /** 001 (五): she arrived without (or outside) the agreed referral; she is treated all the same. */
  offProtocol: z.boolean(),
  occurredAt: Instant,
});

/** An off-protocol arrival (001 (五)) opens a referral record at reception: nobody requested it. */
export const OffProtocolArrivalRegistered = z.strictObject({
  referralId: RecordedId,
  caseId: RecordedId,
  patientKind: PatientKind,
  patient: RecordedPatientIdentity,
  gestationalWeeks: z.number().optional(),
  riskGrade: RiskGrade,
  institutionId: RecordedId,
  fromInstitutionId: RecordedId.optional(),
  clinicalSummary: z.string(),
  receivedBy: RecordedText,
  handedOverBy: RecordedText.optional(),
  occurredAt: Instant,
});

export const ReferralCancelled = z.strictObject({
  referralId: RecordedId,
  cancelledBy: RecordedText,
  reason: z.string().min(1),
  occurredAt: Instant,
});

export const ReferralCompleted = z.strictObject({
  referralId: RecordedId,
  outcome: z.enum(["treated_and_discharged", "transferred_onward", "died", "other"]),
  notes: z.string().optional(),
  occurredAt: Instant,
});

export const referralEventSchemas = {
  ReferralRequested,
  ReferralAccepted,
  ReferralDeclined,
  ReferralRedirected,
  ReferralEscalated,
  PatientReceived,
  OffProtocolArrivalRegistered,
  ReferralCancelled,
  ReferralCompleted,
} as const;

type Schemas = typeof referralEventSchemas;
export type ReferralEvent = { [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> } }[keyof Schemas];
