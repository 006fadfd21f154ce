import { z } from "zod";
import { GestationalWeeks, Id, Instant, PersonName, Text } from "../shared/clinical.js";
import { PatientIdentity } from "../shared/identity.js";
import { PatientKind, RiskGrade, Urgency } from "../shared/risk.js";

/** Referral commands. Bodies are what the HTTP routes accept; ids of the target come from the route. */

export const RequestReferral = z.strictObject({
  /** Omitted: a new case, its id created by the service. Given: the case continues (only its parties may). */
  caseId: Id.optional(),
  patientKind: PatientKind,
  patient: PatientIdentity,
  gestationalWeeks: GestationalWeeks.optional(),
  riskGrade: RiskGrade,
  urgency: Urgency,
  reasons: z.array(Text("line", 500)).min(1).max(20),
  clinicalSummary: Text("long", 4000),
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
  reason: Text("long", 2000),
  redirectTo: Id.optional(),
  escalate: z.strictObject({ difficulty: Text("long", 2000) }).optional(),
  occurredAt: Instant,
});

export const RedirectReferral = z.strictObject({
  toInstitutionId: Id,
  reason: Text("long", 2000),
  redirectedBy: PersonName,
  occurredAt: Instant,
});

export const EscalateReferral = z.strictObject({
  escalatedBy: PersonName,
  difficulty: Text("long", 2000),
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
  /** Omitted: a new case, its id created by the service. Given: the case continues (only its parties may). */
  caseId: Id.optional(),
  patientKind: PatientKind,
  patient: PatientIdentity,
  gestationalWeeks: GestationalWeeks.optional(),
  riskGrade: RiskGrade,
  institutionId: Id,
  fromInstitutionId: Id.optional(),
  clinicalSummary: Text("long", 4000),
  receivedBy: PersonName,
  handedOverBy: PersonName.optional(),
  occurredAt: Instant,
});

export const CancelReferral = z.strictObject({
  cancelledBy: PersonName,
  reason: Text("long", 2000),
  occurredAt: Instant,
});

export const CompleteReferral = z.strictObject({
  outcome: z.enum(["treated_and_discharged", "transferred_onward", "died", "other"]),
  notes: Text("long", 4000).optional(),
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
/** Commands that may open a case: by the time they reach the decider the case id is settled (given or created). */
type OpensCase = "RequestReferral" | "RegisterOffProtocolArrival";
type Data<K extends keyof Schemas> = K extends OpensCase
  ? z.infer<Schemas[K]> & { caseId: string }
  : z.infer<Schemas[K]>;
/** A command: its type, the referral it targets, and its validated body. */
export type ReferralCommand = {
  [K in keyof Schemas]: { type: K; referralId: string; data: Data<K> };
}[keyof Schemas];
