import { describe, expect, it } from "vitest";
import { createLog, data, project } from "../testing/fixtures.js";
import { evolveCompleteness } from "./evolve.js";
import { listTransferCompleteness, transferCompleteness } from "./query.js";
import { initialCompletenessState } from "./state.js";

const options = { lateEntryMinutes: 30 };
const fold = (log: ReturnType<typeof createLog>) =>
  project(log.events).reduce(evolveCompleteness, initialCompletenessState());

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

  it("missing items make the record incomplete; list filters by case, institution and incompleteness", () => {
    const log = createLog();
    log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 0), { caseId: "c1" });
    log.record("transfer-t1", "TransferDeparted", data.transferDeparted("t1", 20), { caseId: "c1" });
    log.record("transfer-t1", "TransferArrived", data.transferArrived("t1", 60), { caseId: "c1" });
    const other = data.transferRequested("t2", "c2", 5, { originInstitutionId: "clinic_2" });
    log.record("transfer-t2", "TransferRequested", other, { caseId: "c2" });
    log.record("transfer-t2", "TransferCancelled", data.transferCancelled("t2", 7), { caseId: "c2" });
    const state = fold(log);
    const t1 = transferCompleteness(state, "t1", options);
    expect(t1?.items).toMatchObject({
      enRouteTreatment: "missing",
      conditionHandover: "missing",
      reception: "present",
    });
    expect(t1?.complete).toBe(false);
    expect(listTransferCompleteness(state, options).map((t) => t.transferId)).toEqual(["t1", "t2"]);
    expect(listTransferCompleteness(state, options, { caseId: "c2" })[0]?.status).toBe("cancelled");
    expect(listTransferCompleteness(state, options, { institutionId: "clinic_2" })).toHaveLength(1);
    expect(listTransferCompleteness(state, options, { incompleteOnly: true })).toHaveLength(2);
    expect(transferCompleteness(state, "nope", options)).toBeUndefined();
  });
});
