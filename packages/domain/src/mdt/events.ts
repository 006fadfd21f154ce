import { z } from "zod";
import { Instant, RecordedId, RecordedText } from "../shared/clinical.js";
import { RiskGrade } from "../shared/risk.js";
import {
  ClinicalRank,
  LeadDepartment,
  MdtCondition,
  MdtOutcome,
  SpecialistDepartment,
  StandbyService,
} from "./commands.js";

/** MDT activation (多学科联合救治, 000 §十六) events, stream `mdt-<mdtId>`. Each carries its case (and transfer). */
const link = {
  mdtId: RecordedId,
  caseId: RecordedId,
  transferId: RecordedId.optional(),
  occurredAt: Instant,
};

export const RecordedJudgement = z.object({
  riskGrade: RiskGrade,
  lifeThreatening: z.boolean(),
  condition: MdtCondition,
  severeEmergency: z.boolean(),
  conditionNote: RecordedText.optional(),
});

/** R-MDT-1, 000 §十六(二): 开通绿色通道, reported to the department head. */
export const GreenChannelOpened = z.strictObject({
  ...link,
  hospitalId: RecordedId,
  department: RecordedText,
  openedBy: RecordedText,
  reportedTo: RecordedText,
});

/** R-MDT-2: medical affairs activates from the pre-arrival alert, before she arrives. */
export const MdtPreActivated = z.strictObject({
  ...link,
  hospitalId: RecordedId,
  judgement: RecordedJudgement,
  reason: RecordedText,
  activatedBy: RecordedText,
});

/** R-MDT-2, 000 §十六(二): the head asks medical affairs, with the judgement and the reason. */
export const ActivationRequested = z.strictObject({
  ...link,
  judgement: RecordedJudgement,
  reason: RecordedText,
  requestedBy: RecordedText,
});

/** R-MDT-2, 000 §十六(三). */
export const MdtActivated = z.strictObject({ ...link, activatedBy: RecordedText });

/** R-MDT-6, 000 §十六(五): the department leads, medical affairs arranges consultations. */
export const DepartmentConsultationArranged = z.strictObject({
  ...link,
  departments: z.array(SpecialistDepartment),
  arrangedBy: RecordedText,
  note: RecordedText.optional(),
});

/** R-MDT-3, R-MDT-4: a call to the scene, numbered in the stream (`callId`). */
export const MemberCalled = z.strictObject({
  ...link,
  callId: RecordedId,
  role: z.enum(["lead", "specialist", "hospital_head"]),
  department: z.union([LeadDepartment, SpecialistDepartment]).optional(),
  position: z.enum(["head", "deputy_in_charge"]).optional(),
  person: RecordedText,
  rank: ClinicalRank.optional(),
  /** False for a specialist below associate chief: called, but not counted towards R-MDT-3. */
  countsTowardRule: z.boolean(),
  overrideReason: RecordedText.optional(),
  calledBy: RecordedText,
});

export const MemberArrived = z.strictObject({ ...link, callId: RecordedId, person: RecordedText });

/** R-MDT-3: 指定组长. */
export const LeaderAppointed = z.strictObject({
  ...link,
  callId: RecordedId,
  person: RecordedText,
  appointedBy: RecordedText,
});

export const ServicesPutOnStandby = z.strictObject({
  ...link,
  services: z.array(StandbyService),
  requestedBy: RecordedText,
});

export const StandbyAcknowledged = z.strictObject({
  ...link,
  service: StandbyService,
  acknowledgedBy: RecordedText,
});

export const MdtFullyStaffed = z.strictObject({ ...link, declaredBy: RecordedText });

/** R-MDT-5: 请上级救治机构专家会诊, 必要时报请卫生行政部门协助. */
export const UpperConsultationRequested = z.strictObject({
  ...link,
  consultId: RecordedId,
  target: z.enum(["higher_rescue_centre", "health_administration"]),
  institutionId: RecordedId.optional(),
  reason: RecordedText,
  requestedBy: RecordedText,
});

export const UpperConsultationAnswered = z.strictObject({
  ...link,
  consultId: RecordedId,
  answer: RecordedText,
  experts: z.array(RecordedText),
  answeredBy: RecordedText,
});

export const UpperConsultantArrived = z.strictObject({
  ...link,
  consultId: RecordedId,
  expert: RecordedText,
});

export const MdtStoodDown = z.strictObject({
  ...link,
  outcome: MdtOutcome,
  note: RecordedText.optional(),
  stoodDownBy: RecordedText,
});

export const mdtEventSchemas = {
  GreenChannelOpened,
  MdtPreActivated,
  ActivationRequested,
  MdtActivated,
  DepartmentConsultationArranged,
  MemberCalled,
  MemberArrived,
  LeaderAppointed,
  ServicesPutOnStandby,
  StandbyAcknowledged,
  MdtFullyStaffed,
  UpperConsultationRequested,
  UpperConsultationAnswered,
  UpperConsultantArrived,
  MdtStoodDown,
} as const;

type Schemas = typeof mdtEventSchemas;
export type MdtEvent = { [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> } }[keyof Schemas];
