import type { Urgency } from "@mtc/domain";
import { minutesBetween } from "../shared/projectedEvent.js";
import type { BloodRequestRecord } from "./state.js";

/** Minutes from the request to each milestone, per urgency (configuration, never typed by users). */
export interface BloodMilestoneTargets {
  acknowledgedMinutes: number;
  issuedMinutes: number;
  deliveredMinutes: number;
}
export type BloodTargets = Record<Urgency, BloodMilestoneTargets>;

export type BloodMilestone = "acknowledged" | "issued" | "delivered";

/** One milestone against its target: when it happened (or not yet), minutes from the request, met or breached. */
export interface BloodMilestoneStatus {
  milestone: BloodMilestone;
  at: string | null;
  minutes: number | null;
  targetMinutes: number;
  /** `pending`: not reached and still within the target; `breached`: reached late, or not reached in time. */
  state: "met" | "breached" | "pending" | "not_applicable";
}

const URGENCY_RANK: Record<Urgency, number> = { emergency: 0, urgent: 1, routine: 2 };
export const bloodUrgencyRank = (urgency: Urgency): number => URGENCY_RANK[urgency];

const TARGET_KEY: Record<BloodMilestone, keyof BloodMilestoneTargets> = {
  acknowledged: "acknowledgedMinutes",
  issued: "issuedMinutes",
  delivered: "deliveredMinutes",
};

/**
 * The three milestones of 000 §二十二(七) (接到通知 → 出库装箱 → 送达急救现场) against the targets, computed
 * from the clock: a cancelled request has no open milestone.
 */
export const bloodMilestones = (
  record: BloodRequestRecord,
  targets: BloodTargets,
  now: Date,
): BloodMilestoneStatus[] => {
  const from = record.requested.occurredAt;
  const reached: Record<BloodMilestone, string | null> = {
    acknowledged: record.acknowledged?.occurredAt ?? null,
    issued: record.fullyIssuedAt,
    delivered: record.deliveredAt,
  };
  return (Object.keys(reached) as BloodMilestone[]).map((milestone) => {
    const targetMinutes = targets[record.urgency][TARGET_KEY[milestone]];
    const at = reached[milestone];
    if (at !== null) {
      const minutes = Math.round(minutesBetween(from, at) * 10) / 10;
      return { milestone, at, minutes, targetMinutes, state: minutes <= targetMinutes ? "met" : "breached" };
    }
    if (record.cancelled) return { milestone, at, minutes: null, targetMinutes, state: "not_applicable" };
    return {
      milestone,
      at,
      minutes: null,
      targetMinutes,
      state: minutesBetween(from, now) > targetMinutes ? "breached" : "pending",
    };
  });
};

/** Alarms of an open request: each milestone not reached within its target. */
export const bloodAlarms = (record: BloodRequestRecord, targets: BloodTargets, now: Date): BloodMilestone[] =>
  bloodMilestones(record, targets, now)
    .filter((m) => m.at === null && m.state === "breached")
    .map((m) => m.milestone);

export interface BloodQueueItem extends BloodRequestRecord {
  alarms: BloodMilestone[];
  milestones: BloodMilestoneStatus[];
}

/** The station's queue: urgency first, then the oldest request. */
export const orderBloodQueue = (items: BloodQueueItem[]): BloodQueueItem[] =>
  items.sort(
    (a, b) =>
      bloodUrgencyRank(a.urgency) - bloodUrgencyRank(b.urgency) ||
      a.requested.occurredAt.localeCompare(b.requested.occurredAt),
  );

/** A case's blood status for the board: the least advanced open request, with its alarms. */
export interface CaseBloodStatus {
  status: BloodRequestRecord["progress"];
  alarms: BloodMilestone[];
}

const PROGRESS_ORDER = [
  "requested",
  "acknowledged",
  "issued",
  "in_transit",
  "delivered",
  "cancelled",
] as const;

export const caseBloodStatus = (
  records: readonly BloodRequestRecord[],
  targets: BloodTargets,
  now: Date,
): CaseBloodStatus | null => {
  const live = records.filter((r) => r.progress !== "cancelled");
  const shown = live.length > 0 ? live : records;
  if (shown.length === 0) return null;
  const least = shown.reduce((a, b) =>
    PROGRESS_ORDER.indexOf(b.progress) < PROGRESS_ORDER.indexOf(a.progress) ? b : a,
  );
  return {
    status: least.progress,
    alarms: [...new Set(live.flatMap((r) => bloodAlarms(r, targets, now)))],
  };
};
