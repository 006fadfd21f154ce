import { z } from "zod";
import { Condition, Id, Instant, PersonName, Text, VitalSigns } from "../shared/clinical.js";
import { PatientIdentity } from "../shared/identity.js";
import { PatientKind, RiskGrade } from "../shared/risk.js";
import { AcknowledgePreArrivalAlert, Readiness, UpdateArrivalEta } from "./preArrival.js";

export const RequestTransfer = z.strictObject({
  /** Omitted: a new case, its id created by the service. Given: the case continues (only its parties may). */
  caseId: Id.optional(),
  referralId: Id.optional(),
  patientKind: PatientKind,
  patient: PatientIdentity,
  riskGrade: RiskGrade,
  originInstitutionId: Id,
  destinationInstitutionId: Id,
  /** The transferring doctor's judgement that she is very critical (危急重): an escort is then required. */
  veryCritical: z.boolean(),
  clinicalSummary: Text("long", 4000),
  requestedBy: PersonName,
  occurredAt: Instant,
});

export const DispatchUnit = z.strictObject({
  ambulanceId: Id,
  dispatchedBy: PersonName,
  overrideReason: Text("long", 1000).optional(),
  occurredAt: Instant,
});

export const RecordUnitArrivedAtOrigin = z.strictObject({ occurredAt: Instant });

export const RecordDeparture = z.strictObject({
  condition: Condition,
  escorts: z.array(PersonName).max(10),
  clinicalRecordHandedOver: z.boolean(),
  /** Pre-arrival alert (issue 9 §1): the ETA the crew or dispatcher gives, and what to have ready. */
  expectedArrivalAt: Instant.optional(),
  readiness: Readiness.optional(),
  occurredAt: Instant,
});

export const RecordEnRouteCare = z.strictObject({
  kind: z.enum(["observation", "treatment"]),
  description: Text("long", 2000),
  performedBy: PersonName,
  vitalSigns: VitalSigns.optional(),
  occurredAt: Instant,
});

export const RecordRemoteGuidance = z.strictObject({
  expert: PersonName,
  channel: z.enum(["video", "phone"]),
  advice: Text("long", 2000),
  occurredAt: Instant,
});

export const RecordArrival = z.strictObject({ occurredAt: Instant });

export const CompleteHandover = z.strictObject({
  handedOverBy: PersonName,
  receivedBy: PersonName,
  condition: Condition,
  documents: z.array(Text("line", 200)).max(50),
  occurredAt: Instant,
});

export const DivertTransfer = z.strictObject({
  toInstitutionId: Id,
  reason: Text("long", 2000),
  divertedBy: PersonName,
  occurredAt: Instant,
});

export const CancelTransfer = z.strictObject({
  cancelledBy: PersonName,
  reason: Text("long", 2000),
  occurredAt: Instant,
});

export const transferCommandSchemas = {
  RequestTransfer,
  DispatchUnit,
  RecordUnitArrivedAtOrigin,
  RecordDeparture,
  RecordEnRouteCare,
  RecordRemoteGuidance,
  RecordArrival,
  CompleteHandover,
  DivertTransfer,
  CancelTransfer,
  UpdateArrivalEta,
  AcknowledgePreArrivalAlert,
} as const;

type Schemas = typeof transferCommandSchemas;
/** By the time a RequestTransfer reaches the decider its case id is settled (given or created). */
type Data<K extends keyof Schemas> = K extends "RequestTransfer"
  ? z.infer<Schemas[K]> & { caseId: string }
  : z.infer<Schemas[K]>;
export type TransferCommand = {
  [K in keyof Schemas]: { type: K; transferId: string; data: Data<K> };
}[keyof Schemas];
