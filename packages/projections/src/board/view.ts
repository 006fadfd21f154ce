import { type MdtStatus, riskSeverity } from "@mtc/domain";
import type { CaseBloodStatus } from "../blood/query.js";
import { minutesBetween } from "../shared/projectedEvent.js";
import { shownItems } from "./evolve.js";
import type { BoardItem } from "./state.js";

/** Minutes after which a step counts as overdue; region policy, so configurable. */
export interface BoardThresholds {
  emergencyReferralUnansweredMinutes: number;
  noUnitDispatchedMinutes: number;
  departureOverdueMinutes: number;
  handoverMissingAfterArrivalMinutes: number;
  /** Issue 9 §1: an orange-or-above woman's pre-arrival alert not acknowledged by the destination. */
  preArrivalUnacknowledgedMinutes: number;
}

export const defaultBoardThresholds: BoardThresholds = {
  emergencyReferralUnansweredMinutes: 10,
  noUnitDispatchedMinutes: 10,
  departureOverdueMinutes: 30,
  handoverMissingAfterArrivalMinutes: 15,
  preArrivalUnacknowledgedMinutes: 5,
};

export type BoardAlarmKind =
  | "emergency_referral_unanswered"
  | "no_unit_dispatched"
  | "departure_overdue"
  | "handover_missing"
  | "pre_arrival_unacknowledged";

export interface BoardAlarm {
  kind: BoardAlarmKind;
  /** When the clock for this alarm started (occurredAt of the step it measures from). */
  since: string;
  overdueByMinutes: number;
}

export interface BoardViewItem extends BoardItem {
  minutesSinceOpened: number;
  minutesInStep: number;
  alarms: BoardAlarm[];
  /** Issue 9 §3: the case's emergency blood status and its overdue milestones, joined in by the service. */
  blood?: CaseBloodStatus | null;
  /** Issue 9: the MDT status of the item's case (its latest activation), joined from the MDT model when shown. */
  mdt?: Exclude<MdtStatus, "none">;
}

const alarm = (kind: BoardAlarmKind, since: string | undefined, limit: number, now: Date): BoardAlarm[] => {
  if (since === undefined) return [];
  const elapsed = minutesBetween(since, now);
  // At exactly the threshold the step is overdue.
  return elapsed >= limit ? [{ kind, since, overdueByMinutes: elapsed - limit }] : [];
};

/** Issue 9 §1, R-TRF-7: the receiving institution has not acknowledged an orange-or-above woman's alert. */
const preArrivalAlarm = (item: BoardItem, now: Date, t: BoardThresholds): BoardAlarm[] => {
  const alert = item.preArrival;
  if (!alert || alert.acknowledgedAt !== null || riskSeverity[item.riskGrade] < riskSeverity.orange)
    return [];
  return alarm("pre_arrival_unacknowledged", alert.alertedAt, t.preArrivalUnacknowledgedMinutes, now);
};

/** Alarms for one item at `now`; every clock runs on occurredAt, the time things happened in the world. */
export const boardAlarms = (item: BoardItem, now: Date, t: BoardThresholds): BoardAlarm[] => {
  if (item.kind === "referral") {
    // An emergency referral waiting for an answer from its (current) destination.
    const waiting = item.step === "requested" || item.step === "redirected" || item.step === "escalated";
    return item.urgency === "emergency" && waiting
      ? alarm("emergency_referral_unanswered", item.stepAt, t.emergencyReferralUnansweredMinutes, now)
      : [];
  }
  switch (item.step) {
    case "requested":
      return alarm("no_unit_dispatched", item.stepsAt.requested, t.noUnitDispatchedMinutes, now);
    case "dispatched":
    case "unit_at_origin":
      return alarm("departure_overdue", item.stepsAt.dispatched, t.departureOverdueMinutes, now);
    case "arrived":
      return alarm("handover_missing", item.stepsAt.arrived, t.handoverMissingAfterArrivalMinutes, now);
    case "departed":
      return preArrivalAlarm(item, now, t);
    default:
      return [];
  }
};

const urgencyRank = (item: BoardItem): number =>
  // 000 §十二(一): transfers are emergencies; referrals by their stated urgency.
  item.kind === "transfer" || item.urgency === "emergency" ? 0 : item.urgency === "urgent" ? 1 : 2;

/**
 * Default board order: alarms first, then risk (purple/red > orange > yellow > green; maternal and neonatal
 * transfers get priority, 000 §十二(二), R-TRF-1), then emergency urgency, then oldest first (openedAt given
 * parsed, epoch ms).
 */
const compareByUrgency = (a: BoardViewItem, aOpened: number, b: BoardViewItem, bOpened: number): number =>
  Number(b.alarms.length > 0) - Number(a.alarms.length > 0) ||
  riskSeverity[b.riskGrade] - riskSeverity[a.riskGrade] ||
  urgencyRank(a) - urgencyRank(b) ||
  aOpened - bOpened ||
  (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** One item at `now`: elapsed times and alarms. */
export const viewItem = (
  item: BoardItem,
  now: Date,
  thresholds: BoardThresholds = defaultBoardThresholds,
): BoardViewItem => ({
  ...item,
  minutesSinceOpened: minutesBetween(item.openedAt, now),
  minutesInStep: minutesBetween(item.stepAt, now),
  alarms: boardAlarms(item, now, thresholds),
});

/** The board at `now`: elapsed times and alarms, most urgent first. */
export const boardView = (
  items: Iterable<BoardItem>,
  now: Date,
  thresholds: BoardThresholds = defaultBoardThresholds,
): BoardViewItem[] =>
  // openedAt parsed once per item, not twice per comparison: a board of 1,000 items sorted ≈ 20,000 dates.
  shownItems(items)
    .map((item) => ({ view: viewItem(item, now, thresholds), opened: Date.parse(item.openedAt) }))
    .sort((a, b) => compareByUrgency(a.view, a.opened, b.view, b.opened))
    .map(({ view }) => view);
