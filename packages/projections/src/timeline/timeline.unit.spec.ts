import { describe, expect, it } from "vitest";
import { at, createLog, data, project, T0 } from "../testing/fixtures.js";
import { type CaseTimelineOptions, flagTimeline, type TimelineEntry, timelineEntryOf } from "./index.js";

const atMinute = (m: number) => new Date(T0 + m * 60_000);

/** The timeline index as the model writes it: one entry per event, under its case, in log order. */
const index = (events: ReturnType<typeof createLog>["events"]) => {
  const cases = new Map<string, TimelineEntry[]>();
  for (const e of project(events)) {
    const caseId = e.recorded.metadata.caseId;
    cases.set(caseId, [...(cases.get(caseId) ?? []), timelineEntryOf(e)]);
  }
  return cases;
};

/** What the query returns: the case's entries, recorded by asOf if given, flagged and ordered. */
const caseTimeline = (
  state: Map<string, TimelineEntry[]>,
  caseId: string,
  { asOf, lateEntryMinutes }: CaseTimelineOptions,
) =>
  flagTimeline(
    (state.get(caseId) ?? []).filter((e) => !asOf || Date.parse(e.recordedAt) <= asOf.getTime()),
    lateEntryMinutes,
  );

/** A case with a referral and a transfer; the departure is entered 40 minutes late, after the arrival. */
const scenario = () => {
  const log = createLog();
  log.record("referral-r1", "ReferralRequested", data.referralRequested("r1", "c1", 0), { caseId: "c1" });
  log.record("referral-r1", "ReferralAccepted", data.referralAccepted("r1", 5), { caseId: "c1" });
  log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 6), { caseId: "c1" });
  log.record("transfer-t1", "UnitDispatched", data.unitDispatched("t1", 8), { caseId: "c1" });
  log.record("transfer-t1", "TransferArrived", data.transferArrived("t1", 60), { caseId: "c1" });
  log.record("transfer-t1", "TransferDeparted", data.transferDeparted("t1", 25), {
    caseId: "c1",
    recordedAtMinutes: 65,
  });
  log.record("referral-r9", "ReferralRequested", data.referralRequested("r9", "c9", 1), { caseId: "c9" });
  return { log, state: index(log.events) };
};

describe("case timeline", () => {
  it("holds every event of the case across its referral and transfer, with actor and both times", () => {
    const { state } = scenario();
    const entries = caseTimeline(state, "c1", { lateEntryMinutes: 30 });
    expect(entries.map((e) => e.type)).toEqual([
      "ReferralRequested",
      "ReferralAccepted",
      "TransferRequested",
      "UnitDispatched",
      "TransferDeparted",
      "TransferArrived",
    ]);
    expect(entries[0]).toMatchObject({
      streamId: "referral-r1",
      actor: { userId: "u1", role: "hospital_staff" },
      occurredAt: at(0),
      recordedAt: at(0),
      revision: 0,
    });
    expect(caseTimeline(state, "c9", { lateEntryMinutes: 30 })).toHaveLength(1);
    expect(caseTimeline(state, "nope", { lateEntryMinutes: 30 })).toEqual([]);
  });

  it("shows a late entry where it happened, flagged late and recorded after later events", () => {
    const { state } = scenario();
    const entries = caseTimeline(state, "c1", { lateEntryMinutes: 30 });
    const departed = entries.find((e) => e.type === "TransferDeparted");
    expect(departed).toMatchObject({
      recordedLate: true,
      recordedAfterLaterEvents: true,
      occurredAt: at(25),
    });
    expect(entries.filter((e) => e.recordedLate || e.recordedAfterLaterEvents)).toHaveLength(1);
    // 40 minutes late is not late under a 40-minute policy (strictly more than).
    expect(
      caseTimeline(state, "c1", { lateEntryMinutes: 40 }).find((e) => e.type === "TransferDeparted"),
    ).toMatchObject({ recordedLate: false, recordedAfterLaterEvents: true });
  });

  it("as of a moment, shows exactly what had been recorded by then", () => {
    const { state } = scenario();
    const asOf = (m: number) =>
      caseTimeline(state, "c1", { asOf: atMinute(m), lateEntryMinutes: 30 }).map((e) => e.type);
    expect(asOf(59.99)).toEqual([
      "ReferralRequested",
      "ReferralAccepted",
      "TransferRequested",
      "UnitDispatched",
    ]);
    expect(asOf(60)).toContain("TransferArrived");
    expect(asOf(64.99)).not.toContain("TransferDeparted");
    expect(asOf(65)).toContain("TransferDeparted");
  });

  it("ties in occurredAt keep log order", () => {
    const log = createLog();
    const one = { caseId: "c1", commandId: "cmd_same" };
    const d = data.referralRequested("r1", "c1", 0, { riskGrade: "green", urgency: "routine" });
    log.record("referral-r1", "ReferralRequested", d, { caseId: "c1" });
    log.record("referral-r1", "ReferralDeclined", data.referralDeclined("r1", 5), one);
    log.record("referral-r1", "ReferralRedirected", data.referralRedirected("r1", 5), one);
    const state = index(log.events);
    expect(caseTimeline(state, "c1", { lateEntryMinutes: 30 }).map((e) => e.type)).toEqual([
      "ReferralRequested",
      "ReferralDeclined",
      "ReferralRedirected",
    ]);
  });
});
