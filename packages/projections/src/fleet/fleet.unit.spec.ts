import { describe, expect, it } from "vitest";
import { createLog, project } from "../testing/fixtures.js";
import { evolveFleetUnit, type FleetUnit } from "./index.js";

const fold = (log: ReturnType<typeof createLog>) => {
  const units = new Map<string, FleetUnit>();
  for (const e of project(log.events)) {
    const next = evolveFleetUnit(units.get(e.recorded.streamId) ?? null, e);
    if (next) units.set(e.recorded.streamId, next);
  }
  return units;
};
const at = (minutes: number) =>
  new Date(Date.parse("2025-03-10T08:00:00.000Z") + minutes * 60_000).toISOString();

describe("fleet read model, issue 9 §4", () => {
  it("R-TRF-5 follows a unit through an infectious transfer to disinfection and back to available", () => {
    const log = createLog();
    const ids = { ambulanceId: "amb_i01", transferId: "t1", caseId: "c1" };
    log.record(
      "unit-amb_i01",
      "UnitAssigned",
      {
        ...ids,
        infectious: true,
        previousStatus: "available",
        assignedBy: "调度员",
        occurredAt: at(0),
      },
      { caseId: "c1" },
    );
    log.record(
      "unit-amb_i01",
      "UnitStatusRecorded",
      { ...ids, status: "transporting", occurredAt: at(20) },
      { caseId: "c1" },
    );
    expect(fold(log).get("unit-amb_i01")).toMatchObject({
      status: "transporting",
      since: at(20),
      transferId: "t1",
    });
    log.record(
      "unit-amb_i01",
      "UnitReleased",
      {
        ...ids,
        reason: "handed_over",
        disinfectionRequired: true,
        occurredAt: at(60),
      },
      { caseId: "c1" },
    );
    expect(fold(log).get("unit-amb_i01")).toMatchObject({
      ambulanceId: "amb_i01",
      status: "disinfection_pending",
      transferId: null,
      disinfectionAfterTransferId: "t1",
    });
    log.record(
      "unit-amb_i01",
      "UnitDisinfected",
      { ...ids, disinfectedBy: "洗消员", occurredAt: at(90) },
      { caseId: "c1" },
    );
    expect(fold(log).get("unit-amb_i01")).toMatchObject({
      status: "available",
      since: at(90),
      disinfectionAfterTransferId: null,
    });
  });

  it("R-TRF-9 a step of a transfer the unit was taken from does not move it; out of service keeps its reason", () => {
    const log = createLog();
    const claim = (transferId: string, minutes: number) =>
      log.record(
        "unit-amb_m01",
        "UnitAssigned",
        {
          ambulanceId: "amb_m01",
          transferId,
          caseId: "c1",
          infectious: false,
          previousStatus: "available",
          assignedBy: "调度员",
          occurredAt: at(minutes),
        },
        { caseId: "c1" },
      );
    claim("t1", 0);
    claim("t2", 5);
    log.record(
      "unit-amb_m01",
      "UnitStatusRecorded",
      {
        ambulanceId: "amb_m01",
        transferId: "t1",
        caseId: "c1",
        status: "at_scene",
        occurredAt: at(10),
      },
      { caseId: "c1" },
    );
    expect(fold(log).get("unit-amb_m01")).toMatchObject({
      status: "dispatched",
      transferId: "t2",
      since: at(5),
    });
    const other = createLog();
    other.record(
      "unit-amb_o01",
      "UnitTakenOutOfService",
      {
        ambulanceId: "amb_o01",
        reason: "检修",
        recordedBy: "调度员",
        occurredAt: at(0),
      },
      { caseId: "unit-amb_o01" },
    );
    expect(fold(other).get("unit-amb_o01")).toMatchObject({
      status: "out_of_service",
      outOfServiceReason: "检修",
    });
  });
});
