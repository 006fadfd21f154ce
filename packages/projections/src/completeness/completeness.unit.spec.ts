import { describe, expect, it } from "vitest";
import { createLog, data, project } from "../testing/fixtures.js";
import { evolveTransferRecord } from "./evolve.js";
import { type CompletenessOptions, completenessOf } from "./query.js";
import type { TransferRecord } from "./state.js";

const options = { lateEntryMinutes: 30 };
/** The transfer records keyed by stream id, as the model's rows hold them. */
const fold = (log: ReturnType<typeof createLog>) => {
  const records = new Map<string, TransferRecord>();
  for (const e of project(log.events)) {
    const next = evolveTransferRecord(records.get(e.recorded.streamId) ?? null, e);
    if (next) records.set(e.recorded.streamId, next);
  }
  return records;
};
const transferCompleteness = (records: Map<string, TransferRecord>, id: string, o: CompletenessOptions) => {
  const record = records.get(id.startsWith("transfer-") ? id : `transfer-${id}`);
  return record && completenessOf(record, o);
};

describe("transfer record completeness, 000 §十二(十), R-TRF-8", () => {
  it("all five items present when each was entered on time", () => {
    const log = createLog();
    const c = { caseId: "c1" };
    log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 0), c);
    log.record("transfer-t1", "UnitDispatched", data.unitDispatched("t1", 2), c);
    log.record("transfer-t1", "TransferDeparted", data.transferDeparted("t1", 20), c);
    log.record("transfer-t1", "EnRouteCareRecorded", data.enRouteCare("t1", 30), c);
    log.record("transfer-t1", "TransferArrived", data.transferArrived("t1", 60), c);
    log.record("transfer-t1", "HandoverCompleted", data.handoverCompleted("t1", 65), c);
    expect(transferCompleteness(fold(log), "t1", options)).toEqual({
      transferId: "t1",
      caseId: "c1",
      originInstitutionId: "clinic_1",
      destinationInstitutionId: "centre_1",
      status: "handed_over",
      items: {
        departureTime: "present",
        conditionAtDeparture: "present",
        enRouteTreatment: "present",
        reception: "present",
        conditionHandover: "present",
      },
      complete: true,
    });
  });

  it("an item entered more than lateEntryMinutes after it happened is late, and still complete", () => {
    const log = createLog();
    const c = { caseId: "c1" };
    log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 0), c);
    log.record("transfer-t1", "TransferArrived", data.transferArrived("t1", 60), c);
    log.record("transfer-t1", "TransferDeparted", data.transferDeparted("t1", 20), {
      ...c,
      recordedAtMinutes: 61,
    });
    log.record("transfer-t1", "EnRouteCareRecorded", data.enRouteCare("t1", 30), {
      ...c,
      recordedAtMinutes: 60,
    });
    log.record("transfer-t1", "HandoverCompleted", data.handoverCompleted("t1", 65), {
      ...c,
      recordedAtMinutes: 95,
    });
    const result = transferCompleteness(fold(log), "transfer-t1", options);
    expect(result?.items).toEqual({
      departureTime: "late",
      conditionAtDeparture: "late",
      enRouteTreatment: "present", // exactly 30 minutes is not more than 30
      reception: "present",
      conditionHandover: "present",
    });
    expect(result?.complete).toBe(true);
    expect(transferCompleteness(fold(log), "t1", { lateEntryMinutes: 29 })?.items.enRouteTreatment).toBe(
      "late",
    );
  });

  it("missing items make the record incomplete", () => {
    const log = createLog();
    log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 0), { caseId: "c1" });
    log.record("transfer-t1", "TransferDeparted", data.transferDeparted("t1", 20), { caseId: "c1" });
    log.record("transfer-t1", "TransferArrived", data.transferArrived("t1", 60), { caseId: "c1" });
    const t1 = transferCompleteness(fold(log), "t1", options);
    expect(t1?.items).toMatchObject({
      enRouteTreatment: "missing",
      conditionHandover: "missing",
      reception: "present",
    });
    expect(t1?.complete).toBe(false);
    expect(transferCompleteness(fold(log), "nope", options)).toBeUndefined();
  });

  it("an event for a transfer never requested changes nothing", () => {
    const log = createLog();
    log.record("transfer-t9", "TransferArrived", data.transferArrived("t9", 60), { caseId: "c9" });
    expect(fold(log).size).toBe(0);
  });
});
