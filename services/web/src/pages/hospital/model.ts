/** Shapes the hospital page reads from the API, and small pure helpers around them. */

import type {
  Board,
  BoardAlarm,
  BoardItem,
  Institution,
  PatientIdentity,
  PatientKind,
  Reference,
  RiskGrade,
  Urgency,
  Zone,
} from "../../lib/types.js";
import { PATIENT_KINDS, RISK_GRADES, URGENCIES } from "../../lib/types.js";

export type {
  Board,
  BoardAlarm,
  BoardItem,
  Institution,
  PatientIdentity,
  PatientKind,
  Reference,
  RiskGrade,
  Urgency,
  Zone,
};
export { PATIENT_KINDS, RISK_GRADES, URGENCIES };

/** Orange, red and purple: high-risk case management; a decline must redirect or escalate (000 §十(七)). */
export const isHighRisk = (grade: RiskGrade): boolean =>
  grade === "orange" || grade === "red" || grade === "purple";

/** The aggregate id inside a board item's stream id: `referral-R_1` → `R_1`. */
export const aggregateId = (item: BoardItem): string => item.id.replace(/^(referral|transfer)-/, "");

/** Kinds that admit nobody (mirrors reference/capability.ts). */
const NON_RECEIVING = new Set(["dispatch_centre", "blood_station", "primary_clinic"]);

/** Institutions able to take a referred or transferred woman: level 2 or above hospitals and rescue centres. */
export const capableInstitutions = (reference: Reference | null, exclude: (string | null | undefined)[]) =>
  (reference?.institutions ?? []).filter(
    (i) => i.level >= 2 && !NON_RECEIVING.has(i.kind) && !exclude.includes(i.id),
  );

/** The rescue centre a referral goes to when no destination is named (分片包干, 000 §十一). */
export const zoneCentreId = (
  reference: Reference | null,
  institutionId: string | undefined,
  patientKind: PatientKind,
): string | undefined => {
  if (!reference || !institutionId) return undefined;
  const institution = reference.institutions.find((i) => i.id === institutionId);
  const zone =
    reference.zones.find((z) => z.institutionIds.includes(institutionId)) ??
    reference.zones.find((z) => institution !== undefined && z.countyIds.includes(institution.countyId));
  if (!zone) return undefined;
  return patientKind === "neonatal"
    ? (zone.neonatalRescueCentreId ?? zone.maternalRescueCentreId)
    : zone.maternalRescueCentreId;
};

const pad = (n: number): string => String(n).padStart(2, "0");

/** A Date as the value of a datetime-local input, in the browser's time zone. */
export const toLocalInput = (date: Date): string =>
  `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;

/** A datetime-local value as an ISO instant; undefined when empty or not a time. */
export const fromLocalInput = (value: string): string | undefined => {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
};

/** An instant shown in the user's locale and time zone. */
export const formatInstant = (iso: string | null | undefined, locale: string): string => {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(locale, {
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  });
};

/** What a row offers to do. */
export type RowAction =
  | "accept"
  | "decline"
  | "redirect"
  | "reception"
  | "handover"
  | "complete"
  | "transfer";

/**
 * The instant to send for a datetime-local field that defaulted to "now". Left as it was, or set to the current
 * minute, it means now, sent to the second (a minute-rounded time could fall before a step recorded seconds ago).
 */
export const instantToSend = (local: string, defaultValue: string): string | undefined =>
  local === defaultValue || local === toLocalInput(new Date())
    ? new Date().toISOString()
    : fromLocalInput(local);
