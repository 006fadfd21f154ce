import { describe, expect, it } from "vitest";
import { at, createLog, project } from "../testing/fixtures.js";
import { evolveMdtRecord } from "./evolve.js";
import type { MdtRecord } from "./state.js";
import { defaultMdtTargets, mdtView } from "./view.js";

const link = { mdtId: "m1", caseId: "c1", transferId: "t1" };
const judgement = (condition: string) => ({
  riskGrade: "red",
  lifeThreatening: true,
  condition,
  severeEmergency: false,
});

/** An MDT activated at minute 2, requested at minute 0, with the lead and one specialist called at minute 3. */
const activationLog = (condition = "postpartum_haemorrhage") => {
  const log = createLog();
  const c = { caseId: "c1" };
  log.record(
    "mdt-m1",
    "GreenChannelOpened",
    {
      ...link,
      hospitalId: "centre_1",
      department: "产科",
      openedBy: "张",
      reportedTo: "王",
      occurredAt: at(-1),
    },
    c,
  );
  log.record(
    "mdt-m1",
    "ActivationRequested",
    { ...link, judgement: judgement(condition), reason: "PPH", requestedBy: "王", occurredAt: at(0) },
    c,
  );
  log.record("mdt-m1", "MdtActivated", { ...link, activatedBy: "李", occurredAt: at(2) }, c);
  for (const [callId, role, person, extra] of [
    ["call1", "lead", "赵", { department: "obstetrics", rank: "chief" }],
    ["call2", "specialist", "孙", { department: "icu", rank: "associate_chief" }],
  ] as const)
    log.record(
      "mdt-m1",
      "MemberCalled",
      { ...link, callId, role, person, ...extra, countsTowardRule: true, calledBy: "李", occurredAt: at(3) },
      c,
    );
  log.record(
    "mdt-m1",
    "ServicesPutOnStandby",
    { ...link, services: ["lab", "transfusion"], requestedBy: "李", occurredAt: at(3) },
    c,
  );
  return log;
};

const fold = (log: ReturnType<typeof createLog>): MdtRecord | null => {
  let record: MdtRecord | null = null;
  for (const e of project(log.events)) record = evolveMdtRecord(record, e);
  return record;
};

describe("MDT read model, 000 §十六", () => {
  it("R-MDT-2 activation is timed from the request against the hospital's target", () => {
    const record = fold(activationLog());
    const view = mdtView(record as MdtRecord, new Date(at(4)), defaultMdtTargets);
    expect(view.activation).toEqual({ minutes: 2, withinTarget: true });
    const strict = mdtView(record as MdtRecord, new Date(at(4)), {
      ...defaultMdtTargets,
      requestToActivationMinutes: 1,
    });
    expect(strict.activation.withinTarget).toBe(false);
  });

  it("R-MDT-3 arrivals and standby acknowledgements against targets; overdue ones raise alarms", () => {
    const log = activationLog();
    log.record(
      "mdt-m1",
      "MemberArrived",
      { ...link, callId: "call1", person: "赵", occurredAt: at(20) },
      { caseId: "c1" },
    );
    log.record(
      "mdt-m1",
      "StandbyAcknowledged",
      { ...link, service: "lab", acknowledgedBy: "检验", occurredAt: at(5) },
      { caseId: "c1" },
    );
    const view = mdtView(fold(log) as MdtRecord, new Date(at(40)), defaultMdtTargets);
    expect(view.calls.map((c) => [c.callId, c.minutes, c.withinTarget])).toEqual([
      ["call1", 18, true],
      ["call2", 38, false],
    ]);
    expect(view.standby.map((s) => [s.service, s.withinTarget])).toEqual([
      ["lab", true],
      ["transfusion", false],
    ]);
    expect(view.alarms.map((a) => [a.kind, a.subject])).toEqual([
      ["arrival_overdue", "call2"],
      ["standby_ack_overdue", "transfusion"],
    ]);
    expect(view.rule).toMatchObject({
      leadOnScene: true,
      countingSpecialistsOnScene: 0,
      standbyAcknowledged: 1,
    });
  });

  it("R-MDT-4 amniotic-fluid embolism: the banner and the alarm run until the hospital's head is on scene", () => {
    const log = activationLog("amniotic_fluid_embolism");
    const before = mdtView(fold(log) as MdtRecord, new Date(at(4)), defaultMdtTargets);
    expect(before.afeBanner).toBe("head_awaited");
    expect(before.alarms.map((a) => a.kind)).toContain("hospital_head_not_on_scene");
    log.record(
      "mdt-m1",
      "MemberCalled",
      {
        ...link,
        callId: "call3",
        role: "hospital_head",
        position: "head",
        person: "院长",
        countsTowardRule: true,
        calledBy: "李",
        occurredAt: at(4),
      },
      { caseId: "c1" },
    );
    log.record(
      "mdt-m1",
      "MemberArrived",
      { ...link, callId: "call3", person: "院长", occurredAt: at(9) },
      { caseId: "c1" },
    );
    const after = mdtView(fold(log) as MdtRecord, new Date(at(9)), defaultMdtTargets);
    expect(after.afeBanner).toBe("head_on_scene");
    expect(after.alarms.map((a) => a.kind)).not.toContain("hospital_head_not_on_scene");
    expect(after.rule.hospitalHeadOnScene).toBe(true);
  });

  it("R-MDT-7 a stood-down MDT keeps its record and raises no more alarms", () => {
    const log = activationLog();
    log.record(
      "mdt-m1",
      "MdtStoodDown",
      { ...link, outcome: "icu", stoodDownBy: "李", occurredAt: at(60) },
      { caseId: "c1" },
    );
    const record = fold(log) as MdtRecord;
    expect(record).toMatchObject({ status: "stood_down", outcome: "icu", stoodDownAt: at(60) });
    expect(mdtView(record, new Date(at(600)), defaultMdtTargets).alarms).toEqual([]);
  });

  it("events of an MDT whose start is not in the log change nothing", () => {
    const log = createLog();
    log.record(
      "mdt-m9",
      "MdtActivated",
      { ...link, mdtId: "m9", activatedBy: "李", occurredAt: at(2) },
      { caseId: "c1" },
    );
    expect(fold(log)).toBeNull();
  });
});
