import type {
  ClinicalRank,
  MdtCondition,
  MdtOutcome,
  MdtStatus,
  RiskGrade,
  SpecialistDepartment,
  StandbyService,
} from "@mtc/domain";

export interface MdtCallRecord {
  callId: string;
  role: "lead" | "specialist" | "hospital_head";
  department: SpecialistDepartment | "obstetrics" | "neonatology" | null;
  position: "head" | "deputy_in_charge" | null;
  person: string;
  rank: ClinicalRank | null;
  /** R-MDT-3: false for a specialist below associate chief called with an override. */
  countsTowardRule: boolean;
  overrideReason: string | null;
  calledAt: string;
  arrivedAt: string | null;
}

export interface MdtStandbyRecord {
  service: StandbyService;
  requestedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
}

export interface MdtConsultRecord {
  consultId: string;
  target: "higher_rescue_centre" | "health_administration";
  institutionId: string | null;
  requestedAt: string;
  answeredAt: string | null;
  answer: string | null;
  experts: string[];
  arrivals: { expert: string; arrivedAt: string }[];
}

/** One MDT activation as medical affairs and the auditor see it (000 §十六), keyed by its stream id. */
export interface MdtRecord {
  mdtId: string;
  caseId: string;
  transferId: string | null;
  hospitalId: string; // 救治机构
  status: Exclude<MdtStatus, "none">;
  /** Activated by medical affairs from the pre-arrival alert, before she arrived. */
  preActivated: boolean;
  department: string | null; // 接诊科室
  judgement: {
    riskGrade: RiskGrade;
    lifeThreatening: boolean;
    condition: MdtCondition;
    severeEmergency: boolean;
  } | null;
  /** R-MDT-4: amniotic-fluid embolism and the like need the hospital's head on scene. */
  headRequired: boolean;
  greenChannelAt: string | null;
  requestedAt: string | null;
  activatedAt: string | null;
  fullyStaffedAt: string | null;
  consultationArrangedAt: string | null;
  consultationDepartments: SpecialistDepartment[];
  stoodDownAt: string | null;
  outcome: MdtOutcome | null;
  calls: MdtCallRecord[];
  leader: { callId: string; person: string; appointedAt: string } | null;
  standby: MdtStandbyRecord[];
  consultations: MdtConsultRecord[];
  openedAt: string;
  lastPosition: number;
}
