import { z } from "zod";
import { GestationalWeeks, Id, Instant, PersonName } from "../shared/clinical.js";
import { PatientIdentity } from "../shared/identity.js";
import { PatientKind, RiskGrade, Urgency } from "../shared/risk.js";

/** Referral commands. Bodies are what the HTTP routes accept; ids of the target come from the route. */

export const RequestReferral = z.strictObject({
  caseId: Id,
  patientKind: PatientKind,
  patient: PatientIdentity,
  gestationalWeeks: GestationalWeeks.optional(),
  riskGrade: RiskGrade,
  urgency: Urgency,
  reasons: z.array(z.string().trim().min(1).max(500)).min(1).max(20),
  clinicalSummary: z.string().trim().min(1).max(4000),
  fromInstitutionId: Id,
  /** Omitted: the rescue centre of the responsibility zone of the transferring institution (000 §十一). */
  toInstitutionId: Id.optional(),
  requestedBy: PersonName,
  occurredAt: Instant,
});

export const AcceptReferral = z.strictObject({
  acceptedBy: PersonName,
  expectedArrivalAt: Instant.optional(),
  occurredAt: Instant,
});

/** A decline always gives a reason; for orange/red/purple it must redirect or escalate (000 §十(七), 002 二(五)). */
export const DeclineReferral = z.strictObject({
  declinedBy: PersonName,
  reason: z.string().trim().min(1).max(2000),
  redirectTo: Id.optional(),
  escalate: z.strictObject({ difficulty: z.string().trim().min(1).max(2000) }).optional(),
  occurredAt: Instant,
});

export const RedirectReferral = z.strictObject({
  toInstitutionId: Id,
  reason: z.string().trim().min(1).max(2000),
  redirectedBy: PersonName,
  occurredAt: Instant,
});

export const EscalateReferral = z.strictObject({
  escalatedBy: PersonName,
  difficulty: z.string().trim().min(1).max(2000),
  occurredAt: Instant,
});

export const RecordReception = z.strictObject({
  /** Where she actually arrived; omitted means the current destination. Elsewhere is off-protocol (001 (五)). */
  institutionId: Id.optional(),
  receivedBy: PersonName,
  handedOverBy: PersonName,
  occurredAt: Instant,
});

export const RegisterOffProtocolArrival = z.strictObject({
  caseId: Id,
  patientKind: PatientKind,
  patient: PatientIdentity,
  gestationalWeeks: GestationalWeeks.optional(),
  riskGrade: RiskGrade,
  institutionId: Id,
  fromInstitutionId: Id.optional(),
  clinicalSummary: z.string().trim().min(1).max(4000),
  receivedBy: PersonName,
  handedOverBy: PersonName.optional(),
  occurredAt: Instant,
});

export const CancelReferral = z.strictObject({
  cancelledBy: PersonName,
  reason: z.string().trim().min(1).max(2000),
  occurredAt: Instant,
});

export const CompleteReferral = z.strictObject({
  outcome: z.enum(["treated_and_discharged", "transferred_onward", "died", "other"]),
  notes: z.string().max(4000).optional(),
  occurredAt: Instant,
});

export const referralCommandSchemas = {
  RequestReferral,
  AcceptReferral,
  DeclineReferral,
  RedirectReferral,
  EscalateReferral,
  RecordReception,
  RegisterOffProtocolArrival,
  CancelReferral,
  CompleteReferral,
} as const;

type Schemas = typeof referralCommandSchemas;
/** A command: its type, the referral it targets, and its validated body. */
export type ReferralCommand = {
  [K in keyof Schemas]: { type: K; referralId: string; data: z.infer<Schemas[K]> };
}[keyof Schemas];
