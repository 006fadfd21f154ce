/** Answers of the read API the auditor page uses (see services/coordinator/src/routes/queries.ts). */
import type {
  Ambulance,
  Board,
  BoardItem,
  Institution,
  PatientIdentity,
  Reference,
} from "../../lib/types.js";

export type { Ambulance, Board, BoardItem, Institution, PatientIdentity, Reference };

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
