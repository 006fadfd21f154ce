import { z } from "zod";
import { Id, Instant, PersonName, Text } from "../shared/clinical.js";
import { RiskGrade } from "../shared/risk.js";

/** Departments that send specialists (000 §十六(四): 心血管、呼吸科、内分泌科、血液科、ICU 等). */
export const SpecialistDepartment = z.enum([
  "cardiology", // 心血管内科
  "respiratory", // 呼吸科
  "endocrinology", // 内分泌科
  "haematology", // 血液科
  "icu", // 重症医学科
  "anaesthesiology", // 麻醉科
  "general_surgery", // 普外科
  "urology", // 泌尿外科
  "neurology", // 神经内科
  "nephrology", // 肾内科
  "infectious_disease", // 感染科
  "interventional_radiology", // 介入科
]);
export type SpecialistDepartment = z.infer<typeof SpecialistDepartment>;

/** The lead who comes at once and presides (妇产科或新生儿科主要业务骨干), 000 §十六(四). */
export const LeadDepartment = z.enum(["obstetrics", "neonatology"]);
export type LeadDepartment = z.infer<typeof LeadDepartment>;

/** Clinical rank (职称): 住院医师, 主治医师, 副主任医师, 主任医师. */
export const ClinicalRank = z.enum(["resident", "attending", "associate_chief", "chief"]);
export type ClinicalRank = z.infer<typeof ClinicalRank>;

/** 000 §十六(四): 检验、影像、输血、手术、麻醉、后勤等科室待命. */
export const StandbyService = z.enum([
  "lab",
  "imaging",
  "transfusion",
  "theatre",
  "anaesthesia",
  "logistics",
]);
export type StandbyService = z.infer<typeof StandbyService>;

/** The main complication judged at the bedside. */
export const MdtCondition = z.enum([
  "postpartum_haemorrhage", // 产后出血
  "amniotic_fluid_embolism", // 羊水栓塞
  "placental_abruption", // 胎盘早剥
  "uterine_rupture", // 子宫破裂
  "eclampsia", // 子痫
  "heart_failure", // 心力衰竭
  "sepsis", // 脓毒症
  "other",
]);
export type MdtCondition = z.infer<typeof MdtCondition>;

/** The head's (or senior doctor's) judgement at the bedside (亲临现场及时作出判断), 000 §十六(二). */
export const Judgement = z.strictObject({
  riskGrade: RiskGrade,
  lifeThreatening: z.boolean(), // 有生命危险
  condition: MdtCondition,
  /** 羊水栓塞等严重紧急情况 beyond the listed conditions: the hospital's head must come (R-MDT-4). */
  severeEmergency: z.boolean().default(false),
  conditionNote: Text("line", 500).optional(),
});
export type Judgement = z.infer<typeof Judgement>;

export const MdtOutcome = z.enum(["ward", "icu", "theatre", "transferred_on", "died"]);
export type MdtOutcome = z.infer<typeof MdtOutcome>;

export const OpenGreenChannel = z.strictObject({
  caseId: Id,
  /** The transfer that brought her, when there is one: its destination must be this hospital. */
  transferId: Id.optional(),
  /** The hospital that receives her and runs the MDT (救治机构). */
  institutionId: Id,
  department: Text("line", 100), // 接诊科室
  openedBy: PersonName,
  reportedTo: PersonName, // 科室负责人或在场上一级医师
  occurredAt: Instant,
});

export const PreActivateMdt = z.strictObject({
  caseId: Id,
  transferId: Id,
  /** The hospital that receives her and runs the MDT (救治机构): the transfer's destination. */
  institutionId: Id,
  judgement: Judgement,
  reason: Text("long", 2000),
  activatedBy: PersonName,
  occurredAt: Instant,
});

export const RequestActivation = z.strictObject({
  judgement: Judgement,
  reason: Text("long", 2000),
  requestedBy: PersonName,
  occurredAt: Instant,
});

export const ActivateMdt = z.strictObject({ activatedBy: PersonName, occurredAt: Instant });

export const ArrangeConsultation = z.strictObject({
  departments: z.array(SpecialistDepartment).min(1).max(12),
  arrangedBy: PersonName,
  note: Text("long", 2000).optional(),
  occurredAt: Instant,
});

export const CallLead = z.strictObject({
  department: LeadDepartment,
  person: PersonName,
  rank: ClinicalRank,
  calledBy: PersonName,
  occurredAt: Instant,
});

export const CallSpecialist = z.strictObject({
  department: SpecialistDepartment,
  person: PersonName,
  rank: ClinicalRank,
  /** Calling someone below associate chief anyway: why (no associate chief reachable, …). */
  overrideReason: Text("long", 1000).optional(),
  calledBy: PersonName,
  occurredAt: Instant,
});

export const CallHospitalHead = z.strictObject({
  position: z.enum(["head", "deputy_in_charge"]), // 主要负责人 / 分管负责人
  person: PersonName,
  calledBy: PersonName,
  occurredAt: Instant,
});

export const RecordMemberArrival = z.strictObject({ callId: Id, occurredAt: Instant });

export const AppointLeader = z.strictObject({ callId: Id, appointedBy: PersonName, occurredAt: Instant });

export const PutOnStandby = z.strictObject({
  services: z.array(StandbyService).min(1).max(6),
  requestedBy: PersonName,
  occurredAt: Instant,
});

export const AcknowledgeStandby = z.strictObject({
  service: StandbyService,
  acknowledgedBy: PersonName,
  occurredAt: Instant,
});

export const DeclareFullyStaffed = z.strictObject({ declaredBy: PersonName, occurredAt: Instant });

export const RequestUpperConsultation = z.strictObject({
  target: z.enum(["higher_rescue_centre", "health_administration"]),
  /** The rescue centre asked, when it is in the reference data. */
  institutionId: Id.optional(),
  reason: Text("long", 2000),
  requestedBy: PersonName,
  occurredAt: Instant,
});

export const RecordConsultationAnswer = z.strictObject({
  consultId: Id,
  answer: Text("long", 2000),
  experts: z.array(PersonName).max(10),
  answeredBy: PersonName,
  occurredAt: Instant,
});

export const RecordConsultantArrival = z.strictObject({
  consultId: Id,
  expert: PersonName,
  occurredAt: Instant,
});

export const StandDownMdt = z.strictObject({
  outcome: MdtOutcome,
  note: Text("long", 2000).optional(),
  stoodDownBy: PersonName,
  occurredAt: Instant,
});

export const mdtCommandSchemas = {
  OpenGreenChannel,
  PreActivateMdt,
  RequestActivation,
  ActivateMdt,
  ArrangeConsultation,
  CallLead,
  CallSpecialist,
  CallHospitalHead,
  RecordMemberArrival,
  AppointLeader,
  PutOnStandby,
  AcknowledgeStandby,
  DeclareFullyStaffed,
  RequestUpperConsultation,
  RecordConsultationAnswer,
  RecordConsultantArrival,
  StandDownMdt,
} as const;

type Schemas = typeof mdtCommandSchemas;
export type MdtCommand = {
  [K in keyof Schemas]: { type: K; mdtId: string; data: z.infer<Schemas[K]> };
}[keyof Schemas];
