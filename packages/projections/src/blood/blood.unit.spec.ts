import type { Urgency } from "@mtc/domain";
import { describe, expect, it } from "vitest";
import { at, createLog, project, T0 } from "../testing/fixtures.js";
import { evolveBloodRequest } from "./evolve.js";
import {
  type BloodTargets,
  bloodAlarms,
  bloodMilestones,
  caseBloodStatus,
  orderBloodQueue,
} from "./query.js";
import type { BloodRequestRecord } from "./state.js";

const targets: BloodTargets = {
  emergency: { acknowledgedMinutes: 5, issuedMinutes: 30, deliveredMinutes: 60 },
  urgent: { acknowledgedMinutes: 10, issuedMinutes: 60, deliveredMinutes: 120 },
  routine: { acknowledgedMinutes: 30, issuedMinutes: 240, deliveredMinutes: 480 },
};
const minute = (m: number) => new Date(T0 + m * 60_000);
const redCells = { product: "red_cells", unit: "U", quantity: 4 } as const;
const plasma = { product: "plasma", unit: "mL", quantity: 400 } as const;
const oPos = { abo: "O", rhD: "positive" } as const;

const requested = (id: string, caseId: string, minutes: number, urgency: Urgency = "emergency") => ({
  bloodRequestId: id,
  caseId,
  requestingInstitutionId: "centre_1",
  bloodStationId: "station_1",
  phase: "postpartum",
  indication: "postpartum_haemorrhage",
  bloodGroup: oPos,
  products: [redCells, plasma],
  urgency,
  destination: { institutionId: "centre_1", place: "产房" },
  requestedBy: "张医生",
  occurredAt: at(minutes),
});

const fold = (log: ReturnType<typeof createLog>) => {
  const records = new Map<string, BloodRequestRecord>();
  for (const e of project(log.events)) {
    const next = evolveBloodRequest(records.get(e.recorded.streamId) ?? null, e);
    if (next) records.set(e.recorded.streamId, next);
  }
  return records;
};

/** The whole chain of one request: acknowledged at +3, issued at +20, packed, handed over, delivered at +50. */
const deliveredLog = () => {
  const log = createLog();
  const c = { caseId: "c1" };
  const ids = { bloodRequestId: "b1", caseId: "c1" };
  const items = [
    { ...redCells, group: oPos, substitute: false },
    { ...plasma, group: oPos, substitute: false },
  ];
  log.record("blood-b1", "BloodRequested", requested("b1", "c1", 0), c);
  log.record(
    "blood-b1",
    "BloodRequestAcknowledged",
    { ...ids, bloodStationId: "station_1", acknowledgedBy: "值班员王", occurredAt: at(3) },
    c,
  );
  log.record(
    "blood-b1",
    "BloodIssued",
    { ...ids, items, partial: false, issuedBy: "刘", occurredAt: at(20) },
    c,
  );
  log.record(
    "blood-b1",
    "BloodPacked",
    { ...ids, consignment: 1, items, packedBy: "刘", occurredAt: at(22) },
    c,
  );
  log.record(
    "blood-b1",
    "BloodHandedOver",
    {
      ...ids,
      consignment: 1,
      transport: "station_delivery",
      vehicle: "送血车",
      carriedBy: "陈",
      handedOverBy: "刘",
      occurredAt: at(25),
    },
    c,
  );
  log.record(
    "blood-b1",
    "BloodDelivered",
    {
      ...ids,
      consignment: 1,
      receivedBy: "周",
      temperatures: [
        { product: "red_cells", celsius: 4 },
        { product: "plasma", celsius: -25 },
      ],
      occurredAt: at(50),
    },
    c,
  );
  return log;
};

describe("blood read model (000 §二十二, issue 9 §3)", () => {
  it("R-BLD-2 a delivered request meets its targets: acknowledged 3 min, issued 20 min, delivered 50 min", () => {
    const record = fold(deliveredLog()).get("blood-b1") as BloodRequestRecord;
    expect(record.progress).toBe("delivered");
    expect(record.totals.red_cells).toEqual({ unit: "U", requested: 4, issued: 4, delivered: 4 });
    expect(
      bloodMilestones(record, targets, minute(500)).map((m) => [m.milestone, m.minutes, m.state]),
    ).toEqual([
      ["acknowledged", 3, "met"],
      ["issued", 20, "met"],
      ["delivered", 50, "met"],
    ]);
    expect(bloodAlarms(record, targets, minute(500))).toEqual([]);
  });

  it("R-BLD-2 an open request raises the alarm of each milestone not reached within its target, from the clock", () => {
    const log = createLog();
    log.record("blood-b2", "BloodRequested", requested("b2", "c2", 0), { caseId: "c2" });
    const record = fold(log).get("blood-b2") as BloodRequestRecord;
    expect(bloodAlarms(record, targets, minute(4))).toEqual([]);
    expect(bloodAlarms(record, targets, minute(6))).toEqual(["acknowledged"]);
    expect(bloodAlarms(record, targets, minute(61))).toEqual(["acknowledged", "issued", "delivered"]);
    expect(caseBloodStatus([record], targets, minute(6))).toEqual({
      status: "requested",
      alarms: ["acknowledged"],
    });
  });

  it("R-BLD-1 the station's queue is ordered by urgency, then by the age of the request", () => {
    const log = createLog();
    log.record("blood-r1", "BloodRequested", requested("r1", "c1", 0, "routine"), { caseId: "c1" });
    log.record("blood-u1", "BloodRequested", requested("u1", "c2", 5, "urgent"), { caseId: "c2" });
    log.record("blood-e2", "BloodRequested", requested("e2", "c3", 9, "emergency"), { caseId: "c3" });
    log.record("blood-e1", "BloodRequested", requested("e1", "c4", 7, "emergency"), { caseId: "c4" });
    const items = [...fold(log).values()].map((r) => ({ ...r, alarms: [], milestones: [] }));
    expect(orderBloodQueue(items).map((i) => i.bloodRequestId)).toEqual(["e1", "e2", "u1", "r1"]);
  });

  it("R-BLD-1 an extra request re-opens a delivered request until the rest is delivered too", () => {
    const log = deliveredLog();
    log.record(
      "blood-b1",
      "BloodRequestExtended",
      {
        bloodRequestId: "b1",
        caseId: "c1",
        products: [{ product: "red_cells", unit: "U", quantity: 2 }],
        reason: "持续出血",
        requestedBy: "张医生",
        occurredAt: at(55),
      },
      { caseId: "c1" },
    );
    const record = fold(log).get("blood-b1") as BloodRequestRecord;
    expect(record.progress).toBe("acknowledged");
    expect(record.deliveredAt).toBeNull();
    expect(record.totals.red_cells?.requested).toBe(6);
  });
});
