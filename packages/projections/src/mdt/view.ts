import { minutesBetween } from "../shared/projectedEvent.js";
import type { MdtCallRecord, MdtRecord, MdtStandbyRecord } from "./state.js";

/** Time targets of one hospital (minutes); configuration, never typed by users. */
export interface MdtTargets {
  requestToActivationMinutes: number;
  activationToArrivalMinutes: number;
  activationToStandbyAckMinutes: number;
}

export const defaultMdtTargets: MdtTargets = {
  requestToActivationMinutes: 10,
  activationToArrivalMinutes: 30,
  activationToStandbyAckMinutes: 10,
};

export type MdtAlarmKind =
  | "activation_overdue"
  | "arrival_overdue"
  | "standby_ack_overdue"
  | "hospital_head_not_on_scene";

export interface MdtAlarm {
  kind: MdtAlarmKind;
  /** The call (callId) or standby service the alarm is about; absent for the activation itself. */
  subject?: string;
  since: string;
  overdueByMinutes: number;
}

/** A timed step against its target: minutes taken (or elapsed, while open) and whether within target. */
export interface Timed {
  minutes: number | null;
  /** null: not done yet and not yet overdue (or never done after stand-down). */
  withinTarget: boolean | null;
}

/** Against the rule (R-MDT-3, R-MDT-4), for the medical-affairs view and the auditor's MDT section. */
export interface MdtRuleCheck {
  leadOnScene: boolean;
  /** Associate-chief-or-above specialists on scene (R-MDT-3); overridden calls do not count. */
  countingSpecialistsOnScene: number;
  leaderAppointed: boolean;
  standbyAcknowledged: number;
  standbyRequested: number;
  /** null when the condition does not require the hospital's head (R-MDT-4). */
  hospitalHeadOnScene: boolean | null;
}

export interface MdtView extends Omit<MdtRecord, "calls" | "standby"> {
  targets: MdtTargets;
  activation: Timed;
  calls: (MdtCallRecord & Timed)[];
  standby: (MdtStandbyRecord & Timed)[];
  /** The AFE banner: R-MDT-4 applies and the hospital's head is awaited, or is on scene. */
  afeBanner: "none" | "head_awaited" | "head_on_scene";
  rule: MdtRuleCheck;
  /** Breaches computed from the clock while the MDT is open. */
  alarms: MdtAlarm[];
}

const timed = (from: string | null, done: string | null, target: number, now: Date, open: boolean): Timed => {
  if (from === null) return { minutes: null, withinTarget: null };
  if (done !== null) {
    const minutes = minutesBetween(from, done);
    return { minutes, withinTarget: minutes <= target };
  }
  if (!open) return { minutes: null, withinTarget: null };
  const elapsed = minutesBetween(from, now);
  // At exactly the target the step is overdue, as on the board.
  return { minutes: elapsed, withinTarget: elapsed >= target ? false : null };
};

const overdue = (
  kind: MdtAlarmKind,
  since: string | null,
  target: number,
  now: Date,
  subject?: string,
): MdtAlarm[] => {
  if (since === null) return [];
  const elapsed = minutesBetween(since, now);
  return elapsed >= target
    ? [{ kind, since, overdueByMinutes: elapsed - target, ...(subject !== undefined ? { subject } : {}) }]
    : [];
};

/** One MDT at `now` against its hospital's targets (000 §十六; R-MDT-2, R-MDT-3, R-MDT-4). */
export const mdtView = (record: MdtRecord, now: Date, targets: MdtTargets): MdtView => {
  const open = record.status !== "stood_down";
  const from = record.activatedAt;
  const calls = record.calls.map((c) => ({
    ...c,
    ...timed(from, c.arrivedAt, targets.activationToArrivalMinutes, now, open),
  }));
  const standby = record.standby.map((s) => ({
    ...s,
    ...timed(from, s.acknowledgedAt, targets.activationToStandbyAckMinutes, now, open),
  }));
  const headOnScene = record.calls.some((c) => c.role === "hospital_head" && c.arrivedAt !== null);
  const alarms: MdtAlarm[] = [];
  if (open) {
    if (record.status === "requested")
      alarms.push(
        ...overdue("activation_overdue", record.requestedAt, targets.requestToActivationMinutes, now),
      );
    for (const c of record.calls)
      if (c.arrivedAt === null)
        alarms.push(...overdue("arrival_overdue", from, targets.activationToArrivalMinutes, now, c.callId));
    for (const s of record.standby)
      if (s.acknowledgedAt === null)
        alarms.push(
          ...overdue("standby_ack_overdue", from, targets.activationToStandbyAckMinutes, now, s.service),
        );
    // R-MDT-4: the alarm runs from activation until the head's arrival is recorded, with no grace period.
    if (record.headRequired && !headOnScene && from !== null)
      alarms.push({
        kind: "hospital_head_not_on_scene",
        since: from,
        overdueByMinutes: minutesBetween(from, now),
      });
  }
  return {
    ...record,
    targets,
    activation: timed(record.requestedAt, record.activatedAt, targets.requestToActivationMinutes, now, open),
    calls,
    standby,
    afeBanner: record.headRequired ? (headOnScene ? "head_on_scene" : "head_awaited") : "none",
    rule: {
      leadOnScene: record.calls.some((c) => c.role === "lead" && c.arrivedAt !== null),
      countingSpecialistsOnScene: record.calls.filter(
        (c) => c.role === "specialist" && c.countsTowardRule && c.arrivedAt !== null,
      ).length,
      leaderAppointed: record.leader !== null,
      standbyAcknowledged: record.standby.filter((s) => s.acknowledgedAt !== null).length,
      standbyRequested: record.standby.length,
      hospitalHeadOnScene: record.headRequired ? headOnScene : null,
    },
    alarms,
  };
};
