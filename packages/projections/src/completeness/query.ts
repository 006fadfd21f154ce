import { minutesBetween } from "../shared/projectedEvent.js";
import type { RecordTimes, TransferRecord } from "./state.js";

export type ItemStatus = "present" | "late" | "missing";

/** The five items of 000 §十二(十) (R-TRF-8). */
export interface CompletenessItems {
  departureTime: ItemStatus; // 转出时间
  conditionAtDeparture: ItemStatus; // 转出时状况
  enRouteTreatment: ItemStatus; // 途中救治
  reception: ItemStatus; // 接诊
  conditionHandover: ItemStatus; // 病情移交
}

export interface TransferCompleteness {
  transferId: string;
  caseId: string;
  originInstitutionId: string;
  destinationInstitutionId: string;
  status: TransferRecord["status"];
  items: CompletenessItems;
  /** Every item is present or late (entered late still counts as held). */
  complete: boolean;
}

export interface CompletenessOptions {
  /** An item entered more than this many minutes after it happened is `late`. */
  lateEntryMinutes: number;
}

const statusOf = (times: RecordTimes | null, lateEntryMinutes: number): ItemStatus =>
  times === null
    ? "missing"
    : minutesBetween(times.occurredAt, times.recordedAt) > lateEntryMinutes
      ? "late"
      : "present";

/** 途中救治 is held when at least one en-route care entry exists; present if any of them was on time. */
const enRouteStatus = (entries: RecordTimes[], lateEntryMinutes: number): ItemStatus => {
  const statuses = entries.map((e) => statusOf(e, lateEntryMinutes));
  return statuses.includes("present") ? "present" : statuses.length > 0 ? "late" : "missing";
};

export const completenessOf = (
  record: TransferRecord,
  { lateEntryMinutes }: CompletenessOptions,
): TransferCompleteness => {
  const departure = statusOf(record.departure, lateEntryMinutes);
  const items: CompletenessItems = {
    departureTime: departure,
    conditionAtDeparture: departure,
    enRouteTreatment: enRouteStatus(record.enRouteCare, lateEntryMinutes),
    reception: statusOf(record.reception, lateEntryMinutes),
    conditionHandover: statusOf(record.handover, lateEntryMinutes),
  };
  const result: TransferCompleteness = {
    transferId: record.transferId,
    caseId: record.caseId,
    originInstitutionId: record.originInstitutionId,
    destinationInstitutionId: record.destinationInstitutionId,
    status: record.status,
    items,
    complete: Object.values(items).every((s) => s !== "missing"),
  };
  return result;
};

export interface CompletenessFilter {
  caseId?: string | undefined;
  /** Transfers from or to this institution. */
  institutionId?: string | undefined;
  incompleteOnly?: boolean | undefined;
  limit?: number | undefined;
}
