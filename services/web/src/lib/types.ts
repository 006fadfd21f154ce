/**
 * What the API answers, typed once for every page (the server's own types live in packages the pages do not
 * import: projections' `BoardViewItem`, the domain's `ReferenceData`).
 */
export const RISK_GRADES = ["green", "yellow", "orange", "red", "purple"] as const;
export type RiskGrade = (typeof RISK_GRADES)[number];
export const PATIENT_KINDS = ["maternal", "neonatal"] as const;
export type PatientKind = (typeof PATIENT_KINDS)[number];
export const URGENCIES = ["emergency", "urgent", "routine"] as const;
export type Urgency = (typeof URGENCIES)[number];

export interface PatientIdentity {
  name: string;
  idCardNumber?: string;
  phone?: string;
  age?: number;
}

export type AlarmKind =
  | "emergency_referral_unanswered"
  | "no_unit_dispatched"
  | "departure_overdue"
  | "handover_missing"
  | "pre_arrival_unacknowledged";

export interface BoardAlarm {
  kind: AlarmKind;
  since: string;
  overdueByMinutes: number;
}

/** One open referral or transfer on the board (`GET /api/board`, the WebSocket feed). */
export interface BoardItem {
  id: string;
  kind: "referral" | "transfer";
  caseId: string;
  riskGrade: RiskGrade;
  patientKind: PatientKind;
  urgency: Urgency | null;
  patient: PatientIdentity;
  originInstitutionId: string | null;
  destinationInstitutionId: string;
  step: string;
  stepsAt: Partial<Record<string, string>>;
  openedAt: string;
  stepAt: string;
  ambulance: { id: string; type: string } | null;
  requiredAmbulanceType: string[];
  referralId: string | null;
  clinicalSummary: string;
  reasons: string[];
  gestationalWeeks: number | null;
  expectedArrivalAt: string | null;
  escortRequired: boolean;
  enRouteCareCount: number;
  /** Transfers en route: the pre-arrival alert to the destination (issue 9 §1). */
  preArrival?: {
    alertedAt: string;
    expectedArrivalAt: string | null;
    asks: string[];
    acknowledgedAt: string | null;
    acknowledgedBy: string | null;
  };
  lastPosition: number;
  minutesSinceOpened: number;
  minutesInStep: number;
  alarms: BoardAlarm[];
  /** Issue 9 §3: the case's emergency blood status and its overdue milestones (000 §二十二). */
  blood?: {
    status: "requested" | "acknowledged" | "issued" | "in_transit" | "delivered" | "cancelled";
    alarms: ("acknowledged" | "issued" | "delivered")[];
  } | null;
  /** Issue 9: the MDT status of the item's case, when it has one. */
  mdt?: string;
}

export interface Board {
  asOf: string;
  position: number;
  items: BoardItem[];
}

export interface Institution {
  id: string;
  name: string;
  kind: string;
  level: number;
  countyId: string;
  contactPhone: string;
}

export interface Ambulance {
  id: string;
  callSign: string;
  type: string;
  baseInstitutionId: string;
}

export interface Zone {
  id: string;
  name: string;
  maternalRescueCentreId: string;
  neonatalRescueCentreId?: string;
  countyIds: string[];
  institutionIds: string[];
}

/** `GET /api/reference` */
export interface Reference {
  region: { id: string; code: string; name: string; timeZone: string };
  institutions: Institution[];
  ambulances: Ambulance[];
  zones: Zone[];
}
