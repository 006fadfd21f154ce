/** The MDT activation as `GET /api/mdt` answers it (packages/projections/src/mdt/view.ts). */
export interface Timed {
  minutes: number | null;
  withinTarget: boolean | null;
}
export interface MdtCall extends Timed {
  callId: string;
  role: "lead" | "specialist" | "hospital_head";
  department: string | null;
  position: string | null;
  person: string;
  rank: string | null;
  countsTowardRule: boolean;
  calledAt: string;
  arrivedAt: string | null;
}
export interface MdtStandby extends Timed {
  service: string;
  requestedAt: string;
  acknowledgedAt: string | null;
}
export interface MdtAlarm {
  kind: string;
  subject?: string;
  since: string;
  overdueByMinutes: number;
}
export interface MdtConsult {
  consultId: string;
  target: "higher_rescue_centre" | "health_administration";
  requestedAt: string;
  answeredAt: string | null;
  answer: string | null;
  experts: string[];
  arrivals: { expert: string; arrivedAt: string }[];
}
export interface MdtActivation {
  mdtId: string;
  caseId: string;
  transferId: string | null;
  hospitalId: string;
  status: "green_channel" | "requested" | "activated" | "fully_staffed" | "consultation" | "stood_down";
  preActivated: boolean;
  judgement: { riskGrade: string; lifeThreatening: boolean; condition: string } | null;
  requestedAt: string | null;
  activatedAt: string | null;
  activation: Timed;
  calls: MdtCall[];
  leader: { callId: string; person: string } | null;
  standby: MdtStandby[];
  consultations: MdtConsult[];
  targets: {
    requestToActivationMinutes: number;
    activationToArrivalMinutes: number;
    activationToStandbyAckMinutes: number;
  };
  afeBanner: "none" | "head_awaited" | "head_on_scene";
  alarms: MdtAlarm[];
}

/** 000 §十六(四): the departments medical affairs calls with one tap. */
export const LEAD_DEPARTMENTS = ["obstetrics", "neonatology"] as const;
export const SPECIALIST_DEPARTMENTS = [
  "cardiology",
  "respiratory",
  "endocrinology",
  "haematology",
  "icu",
  "anaesthesiology",
] as const;
export const STANDBY_SERVICES = [
  "lab",
  "imaging",
  "transfusion",
  "theatre",
  "anaesthesia",
  "logistics",
] as const;
export const RANKS = ["chief", "associate_chief", "attending", "resident"] as const;
export const OUTCOMES = ["ward", "icu", "theatre", "transferred_on", "died"] as const;
export const CONDITIONS = [
  "postpartum_haemorrhage",
  "amniotic_fluid_embolism",
  "placental_abruption",
  "uterine_rupture",
  "eclampsia",
  "heart_failure",
  "sepsis",
  "other",
] as const;
