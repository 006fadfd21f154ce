import { describe, expect, it } from "vitest";
import { at, createLog, data, project, T0 } from "../testing/fixtures.js";
import { applyToBoard, shownItems } from "./evolve.js";
import type { BoardItem } from "./state.js";
import { type BoardThresholds, boardView } from "./view.js";

const thresholds: BoardThresholds = {
  emergencyReferralUnansweredMinutes: 10,
  noUnitDispatchedMinutes: 10,
  departureOverdueMinutes: 30,
  handoverMissingAfterArrivalMinutes: 15,
  preArrivalUnacknowledgedMinutes: 5,
};
const atMinute = (m: number) => new Date(T0 + m * 60_000);
/** Folds the events one item at a time, as the runner does, and keeps what the board shows. */
const fold = (events: ReturnType<typeof createLog>["events"]) => {
  const items = new Map<string, BoardItem>();
  for (const e of project(events)) applyToBoard(items, e);
  return { items: Object.fromEntries(shownItems(items.values()).map((i) => [i.id, i])) };
};
const alarmsAt = (events: ReturnType<typeof createLog>["events"], minute: number) =>
  boardView(Object.values(fold(events).items), atMinute(minute), thresholds).flatMap((i) =>
    i.alarms.map((a) => a.kind),
  );

describe("live transfer board", () => {
  it("shows an open referral with its step times, elapsed minutes and patient", () => {
    const log = createLog();
    log.record("referral-r1", "ReferralRequested", data.referralRequested("r1", "c1", 0), { caseId: "c1" });
    log.record("referral-r1", "ReferralAccepted", data.referralAccepted("r1", 4), { caseId: "c1" });
    const [item] = boardView(Object.values(fold(log.events).items), atMinute(7), thresholds);
    expect(item).toMatchObject({
      id: "referral-r1",
      kind: "referral",
      caseId: "c1",
      riskGrade: "red",
      urgency: "emergency",
      step: "accepted",
      stepsAt: { requested: at(0), accepted: at(4) },
      originInstitutionId: "clinic_1",
      destinationInstitutionId: "centre_1",
      patient: { name: "王芳" },
      minutesSinceOpened: 7,
      minutesInStep: 3,
      lastPosition: log.events[1]?.position,
    });
  });

  it("tracks a transfer: unit, escort, en-route care count, destination", () => {
    const log = createLog();
    log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 0), { caseId: "c1" });
    log.record("transfer-t1", "UnitDispatched", data.unitDispatched("t1", 3), { caseId: "c1" });
    log.record("transfer-t1", "UnitArrivedAtOrigin", data.unitArrivedAtOrigin("t1", 15), { caseId: "c1" });
    log.record("transfer-t1", "TransferDeparted", data.transferDeparted("t1", 25), { caseId: "c1" });
    log.record("transfer-t1", "EnRouteCareRecorded", data.enRouteCare("t1", 30), { caseId: "c1" });
    log.record("transfer-t1", "EnRouteCareRecorded", data.enRouteCare("t1", 35), { caseId: "c1" });
    const item = fold(log.events).items["transfer-t1"];
    expect(item).toMatchObject({
      kind: "transfer",
      step: "departed",
      ambulance: { id: "amb_7", type: "monitored" },
      escortRequired: true,
      enRouteCareCount: 2,
      stepsAt: { requested: at(0), dispatched: at(3), unit_at_origin: at(15), departed: at(25) },
    });
  });

  describe("alarms fire at exactly their thresholds (injected now)", () => {
    it("emergency_referral_unanswered at 10 min, not at 9:59; cleared by acceptance", () => {
      const log = createLog();
      log.record("referral-r1", "ReferralRequested", data.referralRequested("r1", "c1", 0), { caseId: "c1" });
      expect(alarmsAt(log.events, 9.99)).toEqual([]);
      expect(alarmsAt(log.events, 10)).toEqual(["emergency_referral_unanswered"]);
      log.record("referral-r1", "ReferralAccepted", data.referralAccepted("r1", 12), { caseId: "c1" });
      expect(alarmsAt(log.events, 60)).toEqual([]);
    });

    it("a routine referral never raises the emergency alarm", () => {
      const log = createLog();
      const d = data.referralRequested("r1", "c1", 0, { urgency: "routine" });
      log.record("referral-r1", "ReferralRequested", d, { caseId: "c1" });
      expect(alarmsAt(log.events, 120)).toEqual([]);
    });

    it("no_unit_dispatched at 10 min after the transfer request", () => {
      const log = createLog();
      log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 0), { caseId: "c1" });
      expect(alarmsAt(log.events, 9.99)).toEqual([]);
      expect(alarmsAt(log.events, 10)).toEqual(["no_unit_dispatched"]);
    });

    it("departure_overdue at 30 min after dispatch, also once the unit is at origin; cleared by departure", () => {
      const log = createLog();
      log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 0), { caseId: "c1" });
      log.record("transfer-t1", "UnitDispatched", data.unitDispatched("t1", 5), { caseId: "c1" });
      expect(alarmsAt(log.events, 34.99)).toEqual([]);
      expect(alarmsAt(log.events, 35)).toEqual(["departure_overdue"]);
      log.record("transfer-t1", "UnitArrivedAtOrigin", data.unitArrivedAtOrigin("t1", 20), { caseId: "c1" });
      expect(alarmsAt(log.events, 35)).toEqual(["departure_overdue"]);
      log.record("transfer-t1", "TransferDeparted", data.transferDeparted("t1", 36), { caseId: "c1" });
      expect(alarmsAt(log.events, 90)).toEqual([]);
    });

    it("handover_missing at 15 min after arrival", () => {
      const log = createLog();
      log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 0), { caseId: "c1" });
      log.record("transfer-t1", "UnitDispatched", data.unitDispatched("t1", 2), { caseId: "c1" });
      log.record("transfer-t1", "TransferDeparted", data.transferDeparted("t1", 20), { caseId: "c1" });
      log.record("transfer-t1", "TransferArrived", data.transferArrived("t1", 60), { caseId: "c1" });
      expect(alarmsAt(log.events, 74.99)).toEqual([]);
      const [item] = boardView(Object.values(fold(log.events).items), atMinute(75), thresholds);
      expect(item?.alarms).toEqual([{ kind: "handover_missing", since: at(60), overdueByMinutes: 0 }]);
    });

    it("thresholds are configurable", () => {
      const log = createLog();
      log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 0), { caseId: "c1" });
      const view = boardView(Object.values(fold(log.events).items), atMinute(5), {
        ...thresholds,
        noUnitDispatchedMinutes: 5,
      });
      expect(view[0]?.alarms.map((a) => a.kind)).toEqual(["no_unit_dispatched"]);
    });
  });

  describe("items leave the board when closed", () => {
    const open = () => {
      const log = createLog();
      log.record("referral-r1", "ReferralRequested", data.referralRequested("r1", "c1", 0), { caseId: "c1" });
      log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 1), { caseId: "c1" });
      return log;
    };

    it("referral completed, transfer handed over", () => {
      const log = open();
      log.record("referral-r1", "ReferralCompleted", data.referralCompleted("r1", 90), { caseId: "c1" });
      log.record("transfer-t1", "HandoverCompleted", data.handoverCompleted("t1", 80), { caseId: "c1" });
      expect(fold(log.events).items).toEqual({});
    });

    it("referral and transfer cancelled", () => {
      const log = open();
      log.record("referral-r1", "ReferralCancelled", data.referralCancelled("r1", 5), { caseId: "c1" });
      log.record("transfer-t1", "TransferCancelled", data.transferCancelled("t1", 6), { caseId: "c1" });
      expect(fold(log.events).items).toEqual({});
    });

    it("a green/yellow referral declined without redirect leaves the board", () => {
      const log = createLog();
      const d = data.referralRequested("r1", "c1", 0, { riskGrade: "yellow", urgency: "routine" });
      log.record("referral-r1", "ReferralRequested", d, { caseId: "c1" });
      log.record("referral-r1", "ReferralDeclined", data.referralDeclined("r1", 5), { caseId: "c1" });
      log.record("transfer-t9", "TransferRequested", data.transferRequested("t9", "c9", 6), { caseId: "c9" });
      expect(Object.keys(fold(log.events).items)).toEqual(["transfer-t9"]);
    });

    it("a green referral declined and redirected by one command stays, now addressed to the new centre", () => {
      const log = createLog();
      const d = data.referralRequested("r1", "c1", 0, { riskGrade: "green", urgency: "routine" });
      log.record("referral-r1", "ReferralRequested", d, { caseId: "c1" });
      const one = { caseId: "c1", commandId: "cmd_decline" };
      log.record("referral-r1", "ReferralDeclined", data.referralDeclined("r1", 5), one);
      log.record("referral-r1", "ReferralRedirected", data.referralRedirected("r1", 5), one);
      expect(fold(log.events).items["referral-r1"]).toMatchObject({
        step: "redirected",
        destinationInstitutionId: "centre_2",
        stepsAt: { declined: at(5), redirected: at(5) },
      });
    });

    it("a green referral declined, then another command on it: the parked decline is not revived", () => {
      const log = createLog();
      const d = data.referralRequested("r1", "c1", 0, { riskGrade: "green", urgency: "routine" });
      log.record("referral-r1", "ReferralRequested", d, { caseId: "c1" });
      log.record("referral-r1", "ReferralDeclined", data.referralDeclined("r1", 5), { caseId: "c1" });
      expect(fold(log.events).items).toEqual({});
      log.record("referral-r1", "ReferralRedirected", data.referralRedirected("r1", 6), { caseId: "c1" });
      expect(fold(log.events).items).toEqual({});
    });

    it("000 §十(七): a red referral declined stays on the board", () => {
      const log = createLog();
      log.record("referral-r1", "ReferralRequested", data.referralRequested("r1", "c1", 0), { caseId: "c1" });
      log.record("referral-r1", "ReferralDeclined", data.referralDeclined("r1", 5), { caseId: "c1" });
      expect(fold(log.events).items["referral-r1"]?.step).toBe("declined");
    });
  });

  it("sorts alarms first, then risk, then emergency urgency, then oldest first (000 §十二(二), R-TRF-1)", () => {
    const log = createLog();
    const req = (id: string, minute: number, over: Record<string, unknown>) =>
      log.record(`referral-${id}`, "ReferralRequested", data.referralRequested(id, `c_${id}`, minute, over), {
        caseId: `c_${id}`,
      });
    req("green_alarm", 0, { riskGrade: "green", urgency: "emergency" }); // unanswered at minute 20: alarm
    req("orange_old", 1, { riskGrade: "orange", urgency: "urgent" });
    req("purple_new", 15, { riskGrade: "purple", urgency: "urgent" });
    req("red_old", 12, { riskGrade: "red", urgency: "urgent" });
    req("red_emergency", 14, { riskGrade: "red", urgency: "emergency" });
    req("yellow", 2, { riskGrade: "yellow", urgency: "routine" });
    const order = boardView(Object.values(fold(log.events).items), atMinute(20), thresholds).map((i) => i.id);
    expect(order).toEqual([
      "referral-green_alarm",
      "referral-red_emergency",
      "referral-red_old",
      "referral-purple_new",
      "referral-orange_old",
      "referral-yellow",
    ]);
  });

  it("state is plain JSON", () => {
    const log = createLog();
    log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 0), { caseId: "c1" });
    const state = fold(log.events);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });
});
