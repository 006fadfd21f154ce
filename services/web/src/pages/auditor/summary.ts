import { bloodValueText } from "../bloodstation/bloodSummary.js";
import type { TimelineEntry } from "./auditTypes.js";
import { shanghaiTime } from "./format.js";

/** One line of an event's summary: a label and its value in words. */
export interface SummaryLine {
  key: string;
  label: string;
  value: string;
  /** A person named in the record (handover persons, escorts, acceptedBy…): printed and emphasised. */
  person?: boolean;
}

export interface SummaryContext {
  t: (key: string, named?: Record<string, unknown>) => string;
  te: (key: string) => boolean;
  institutionName: (id: string) => string;
  ambulance: (id: string) => { callSign: string; type: string } | undefined;
}

/** The order in which fields are shown; fields not listed follow in the order the event has them. */
const ORDER = [
  "patient",
  "patientKind",
  "gestationalWeeks",
  "riskGrade",
  "urgency",
  "reasons",
  "clinicalSummary",
  "fromInstitutionId",
  "originInstitutionId",
  "toInstitutionId",
  "destinationInstitutionId",
  "institutionId",
  "destinationFromZone",
  "referralId",
  "requiredAmbulanceType",
  "escortRequired",
  "ambulanceId",
  "ambulanceType",
  "overrideReason",
  "kind",
  "description",
  "channel",
  "expert",
  "advice",
  "condition",
  "vitalSigns",
  "escorts",
  "clinicalRecordHandedOver",
  "documents",
  "offProtocol",
  "expectedArrivalAt",
  "reason",
  "difficulty",
  "outcome",
  "notes",
];

/** Fields naming a person who did or witnessed something. */
const PERSON_FIELDS = new Set([
  "requestedBy",
  "acceptedBy",
  "declinedBy",
  "redirectedBy",
  "escalatedBy",
  "receivedBy",
  "handedOverBy",
  "cancelledBy",
  "dispatchedBy",
  "performedBy",
  "divertedBy",
  "expert",
  "escorts",
  "updatedBy",
  "acknowledgedBy",
]);

/** Shown elsewhere in the row (the time columns, the case header). */
const HIDDEN = new Set(["occurredAt", "caseId", "transferId", "mdtId"]);

const VITALS = [
  "systolicBp",
  "diastolicBp",
  "heartRate",
  "respiratoryRate",
  "spo2",
  "temperatureC",
  "consciousness",
] as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

const enumWord = (ctx: SummaryContext, group: string, value: unknown): string => {
  const key = `${group}.${String(value)}`;
  return ctx.te(key) ? ctx.t(key) : String(value);
};

export const vitalSignsText = (ctx: SummaryContext, vitals: unknown): string => {
  if (!isRecord(vitals)) return "";
  const parts: string[] = [];
  const { systolicBp, diastolicBp } = vitals;
  if (systolicBp !== undefined || diastolicBp !== undefined)
    parts.push(
      ctx.t("auditor.vitals.bp", {
        systolic: systolicBp ?? "—",
        diastolic: diastolicBp ?? "—",
      }),
    );
  for (const key of VITALS) {
    if (key === "systolicBp" || key === "diastolicBp") continue;
    const value = vitals[key];
    if (value === undefined) continue;
    parts.push(
      key === "consciousness"
        ? ctx.t("auditor.vitals.consciousness", { value: enumWord(ctx, "auditor.consciousness", value) })
        : ctx.t(`auditor.vitals.${key}`, { value }),
    );
  }
  return parts.join(ctx.t("auditor.sep"));
};

const patientText = (ctx: SummaryContext, patient: unknown): string => {
  if (!isRecord(patient)) return String(patient);
  const parts = [String(patient.name ?? "")];
  if (patient.idCardNumber) parts.push(ctx.t("auditor.patient.idCard", { value: patient.idCardNumber }));
  if (patient.phone) parts.push(ctx.t("auditor.patient.phone", { value: patient.phone }));
  if (patient.age !== undefined) parts.push(ctx.t("auditor.patient.age", { value: patient.age }));
  return parts.join(ctx.t("auditor.sep"));
};

/** MDT events (000 §十六): departments, ranks, standby services and the judgement in words. */
const MDT_ENUMS: Readonly<Record<string, string>> = {
  department: "medaffairs.departments",
  rank: "medaffairs.ranks",
  role: "medaffairs.roles",
  service: "medaffairs.services",
};
const mdtValueText = (ctx: SummaryContext, key: string, value: unknown): string | undefined => {
  if (key === "hospitalId") return ctx.institutionName(String(value));
  const group = Object.hasOwn(MDT_ENUMS, key) ? MDT_ENUMS[key] : undefined;
  if (group) return enumWord(ctx, group, value);
  if ((key === "services" || key === "departments") && Array.isArray(value))
    return value
      .map((v) => enumWord(ctx, key === "services" ? "medaffairs.services" : "medaffairs.departments", v))
      .join(ctx.t("auditor.listSep"));
  if (key === "judgement" && isRecord(value))
    return [
      enumWord(ctx, "common.grades", value.riskGrade),
      enumWord(ctx, "medaffairs.conditions", value.condition),
      value.lifeThreatening ? ctx.t("medaffairs.lifeThreatening") : "",
    ]
      .filter((part) => part !== "")
      .join(ctx.t("auditor.sep"));
  return undefined;
};

const valueText = (ctx: SummaryContext, key: string, value: unknown): string => {
  if (value === null || value === undefined) return "";
  if (key === "patient") return patientText(ctx, value);
  const blood = bloodValueText(ctx, key, value);
  if (blood !== undefined) return blood;
  if (key === "patientKind") return enumWord(ctx, "common.patientKinds", value);
  if (key === "riskGrade") return enumWord(ctx, "common.grades", value);
  if (key === "urgency") return enumWord(ctx, "common.urgency", value);
  if (key === "gestationalWeeks") return ctx.t("auditor.units.weeks", { value });
  if (key === "ambulanceType") return enumWord(ctx, "auditor.ambulanceTypes", value);
  if (key === "requiredAmbulanceType" && Array.isArray(value))
    return value.map((v) => enumWord(ctx, "auditor.ambulanceTypes", v)).join(ctx.t("auditor.listSep"));
  if (key === "ambulanceId") {
    const unit = ctx.ambulance(String(value));
    return unit
      ? ctx.t("auditor.ambulance", {
          callSign: unit.callSign,
          type: enumWord(ctx, "auditor.ambulanceTypes", unit.type),
        })
      : String(value);
  }
  if (key.endsWith("InstitutionId") || key === "institutionId") return ctx.institutionName(String(value));
  const mdt = mdtValueText(ctx, key, value);
  if (mdt !== undefined) return mdt;
  if (key.endsWith("At") && typeof value === "string") return shanghaiTime(value);
  if (key === "kind" || key === "channel" || key === "outcome")
    return enumWord(ctx, `auditor.${key}s`, value);
  if (key === "condition" && isRecord(value)) {
    const vitals = vitalSignsText(ctx, value.vitalSigns);
    return vitals
      ? `${String(value.summary ?? "")}${ctx.t("auditor.condSep")}${vitals}`
      : String(value.summary ?? "");
  }
  if (key === "vitalSigns") return vitalSignsText(ctx, value);
  // Issue 9 §1: what the crew asked the destination to have ready, and why the alert was raised.
  if (key === "readiness" && isRecord(value)) {
    const asks = Array.isArray(value.asks) ? value.asks.map((a) => enumWord(ctx, "arrivals.ask", a)) : [];
    const words = asks.length > 0 ? asks.join(ctx.t("auditor.listSep")) : ctx.t("auditor.none");
    return value.note ? `${words}${ctx.t("auditor.sep")}${String(value.note)}` : words;
  }
  if (key === "cause") return enumWord(ctx, "arrivals.cause", value);
  if (typeof value === "boolean") return ctx.t(value ? "auditor.yes" : "auditor.no");
  if (Array.isArray(value))
    return value.length === 0
      ? ctx.t("auditor.none")
      : value.map((v) => valueText(ctx, "", v)).join(ctx.t("auditor.listSep"));
  if (isRecord(value)) return JSON.stringify(value);
  return String(value);
};

/** A readable summary of an event's data: condition and vital signs, names of persons, ambulance, reasons… */
export const summarize = (ctx: SummaryContext, entry: TimelineEntry): SummaryLine[] => {
  const data = isRecord(entry.data) ? entry.data : {};
  const keys = Object.keys(data).filter(
    (key) =>
      !HIDDEN.has(key) &&
      // The referral's own id is its stream; a transfer's referralId links to another stream and is kept.
      !(key === "referralId" && entry.streamId.startsWith("referral-")) &&
      data[key] !== undefined &&
      data[key] !== null,
  );
  const rank = (key: string) => {
    const index = ORDER.indexOf(key);
    return index === -1 ? ORDER.length + (PERSON_FIELDS.has(key) ? 1 : 0) : index;
  };
  keys.sort((a, b) => rank(a) - rank(b));
  return keys.map((key) => ({
    key,
    label: ctx.te(`auditor.fields.${key}`) ? ctx.t(`auditor.fields.${key}`) : key,
    value: valueText(ctx, key, data[key]),
    ...(PERSON_FIELDS.has(key) ? { person: true } : {}),
  }));
};
