import { riskSeverity } from "@mtc/domain";
import { minutesBetween } from "../shared/projectedEvent.js";
import type { Arrival } from "./state.js";

export interface ArrivalAlarm {
  kind: "pre_arrival_unacknowledged";
  since: string;
  overdueByMinutes: number;
}

export interface ArrivalView extends Arrival {
  alarms: ArrivalAlarm[];
}

/**
 * Issue 9 §1, R-TRF-7: an orange-or-above woman's alert that the destination has not acknowledged within
 * `unacknowledgedMinutes` (ALARM_PRE_ARRIVAL_UNACKNOWLEDGED_MIN) of the alert; computed from `now`, never typed.
 */
export const arrivalView = (arrival: Arrival, now: Date, unacknowledgedMinutes: number): ArrivalView => {
  const alert = arrival.alert;
  const watched =
    alert !== null &&
    alert.acknowledgedAt === null &&
    arrival.status === "en_route" &&
    riskSeverity[arrival.riskGrade] >= riskSeverity.orange;
  const elapsed = watched ? minutesBetween(alert.alertedAt, now) : 0;
  return {
    ...arrival,
    alarms:
      watched && elapsed >= unacknowledgedMinutes
        ? [
            {
              kind: "pre_arrival_unacknowledged",
              since: alert.alertedAt,
              overdueByMinutes: elapsed - unacknowledgedMinutes,
            },
          ]
        : [],
  };
};

/** Soonest expected first (no ETA: by alert time), unacknowledged and alarmed ones before the rest. */
export const compareArrivals = (a: ArrivalView, b: ArrivalView): number =>
  b.alarms.length - a.alarms.length ||
  Number(a.alert?.acknowledgedAt !== null) - Number(b.alert?.acknowledgedAt !== null) ||
  Date.parse(a.alert?.expectedArrivalAt ?? a.alert?.alertedAt ?? "") -
    Date.parse(b.alert?.expectedArrivalAt ?? b.alert?.alertedAt ?? "") ||
  (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
