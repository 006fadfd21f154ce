/** Answers of the read API the auditor page uses (see services/coordinator/src/routes/queries.ts). */

export interface PatientIdentity {
  name: string;
  idCardNumber?: string;
  phone?: string;
  age?: number;
}

export interface CaseSummary {
  caseId: string;
  patient: PatientIdentity;
  patientKind: string;
  riskGrade: string;
  institutionIds: string[];
  openedAt: string;
  lastEventAt: string;
  referralIds: string[];
  transferIds: string[];
}

export interface Actor {
  userId: string;
  role: string;
  institutionId?: string;
}

export interface TimelineEntry {
  position: number;
  streamId: string;
  revision: number;
  type: string;
  actor: Actor;
  occurredAt: string;
  recordedAt: string;
  recordedLate: boolean;
  recordedAfterLaterEvents: boolean;
  data: Record<string, unknown>;
}

export interface Timeline {
  caseId: string;
  asOf: string | null;
  lateEntryMinutes: number;
  entries: TimelineEntry[];
}

export interface BoardItem {
  id: string;
  kind: "referral" | "transfer";
  caseId: string;
  riskGrade: string;
  patientKind: string;
  urgency: string | null;
  patient: PatientIdentity;
  originInstitutionId: string | null;
  destinationInstitutionId: string;
  step: string;
  stepAt: string;
  openedAt: string;
  ambulance: { id: string; type: string } | null;
  minutesSinceOpened: number;
  minutesInStep: number;
  alarms: { kind: string; since: string; overdueByMinutes: number }[];
}

export interface Board {
  asOf: string;
  position: number;
  items: BoardItem[];
}

export type ItemStatus = "present" | "late" | "missing";
export const CHECKLIST_ITEMS = [
  "departureTime",
  "conditionAtDeparture",
  "enRouteTreatment",
  "reception",
  "conditionHandover",
] as const;
export type ChecklistItem = (typeof CHECKLIST_ITEMS)[number];

export interface TransferRecord {
  transferId: string;
  caseId: string;
  originInstitutionId: string;
  destinationInstitutionId: string;
  status: string;
  items: Record<ChecklistItem, ItemStatus>;
  complete: boolean;
  entries: TimelineEntry[];
}

export interface Institution {
  id: string;
  name: string;
  kind: string;
  level?: number;
  countyId?: string;
  contactPhone?: string;
}

export interface Ambulance {
  id: string;
  callSign: string;
  type: string;
  baseInstitutionId: string;
}

export interface Reference {
  institutions: Institution[];
  ambulances: Ambulance[];
}
