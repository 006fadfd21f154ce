import { describe, expect, it } from "vitest";
import { applyToBoard, shownItems } from "../board/evolve.js";
import type { BoardItem } from "../board/state.js";
import { boardView, defaultBoardThresholds } from "../board/view.js";
import { at, createLog, data, project, T0 } from "../testing/fixtures.js";
import { evolveArrival } from "./evolve.js";
import type { Arrival } from "./state.js";
import { arrivalView } from "./view.js";

const ACK_MINUTES = 5;
const atMinute = (m: number) => new Date(T0 + m * 60_000);

const raised = (transferId: string, minutes: number, over: Record<string, unknown> = {}) => ({
  transferId,
  caseId: "c1",
  destinationInstitutionId: "centre_1",
  riskGrade: "red",
  expectedArrivalAt: at(minutes + 40),
  readiness: { asks: ["theatre", "blood"], note: "备血4U" },
  cause: "departure",
  occurredAt: at(minutes),
  ...over,
});
const acknowledged = (transferId: string, minutes: number) => ({
  transferId,
  caseId: "c1",
  institutionId: "centre_1",
  acknowledgedBy: "张主任",
  occurredAt: at(minutes),
});

/** A departed red transfer with its alert, and what follows. */
const departedLog = (riskGrade = "red") => {
  const log = createLog();
  const meta = { caseId: "c1" };
  log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 0, { riskGrade }), meta);
  log.record("transfer-t1", "UnitDispatched", data.unitDispatched("t1", 3), meta);
  log.record("transfer-t1", "TransferDeparted", data.transferDeparted("t1", 20), meta);
  log.record("transfer-t1", "PreArrivalAlertRaised", raised("t1", 20, { riskGrade }), meta);
  return log;
};
const foldArrival = (log: ReturnType<typeof createLog>): Arrival | null => {
  let doc: Arrival | null = null;
  for (const e of project(log.events)) doc = evolveArrival(doc, e);
  return doc;
};
const boardAlarmsAt = (log: ReturnType<typeof createLog>, minute: number) => {
  const items = new Map<string, BoardItem>();
  for (const e of project(log.events)) applyToBoard(items, e);
  return boardView(shownItems(items.values()), atMinute(minute), {
    ...defaultBoardThresholds,
    preArrivalUnacknowledgedMinutes: ACK_MINUTES,
  }).flatMap((i) => i.alarms.map((a) => a.kind));
};

describe("incoming transfers and their pre-arrival alerts (issue 9 §1)", () => {
  it("R-TRF-7: the alert carries who, grade, condition at departure, en-route care, ETA and asks", () => {
    const log = departedLog();
    log.record("transfer-t1", "EnRouteCareRecorded", data.enRouteCare("t1", 30), { caseId: "c1" });
    // A late entry (补录) lands in the order it happened.
    log.record(
      "transfer-t1",
      "EnRouteCareRecorded",
      { ...data.enRouteCare("t1", 25), description: "O2" },
      {
        caseId: "c1",
      },
    );
    expect(foldArrival(log)).toMatchObject({
      id: "transfer-t1",
      caseId: "c1",
      patient: { name: "王芳" },
      riskGrade: "red",
      destinationInstitutionId: "centre_1",
      status: "en_route",
      departedAt: at(20),
      conditionAtDeparture: data.transferDeparted("t1", 20).condition,
      escorts: ["赵护士"],
      enRouteCare: [{ description: "O2" }, { description: "MgSO4 loading dose" }],
      alert: {
        alertedAt: at(20),
        expectedArrivalAt: at(60),
        asks: ["theatre", "blood"],
        askNote: "备血4U",
        acknowledgedAt: null,
      },
    });
  });

  it("R-TRF-7: ETA updates and the acknowledgement are kept; handover removes the document", () => {
    const log = departedLog();
    log.record(
      "transfer-t1",
      "PreArrivalEtaUpdated",
      {
        transferId: "t1",
        caseId: "c1",
        destinationInstitutionId: "centre_1",
        expectedArrivalAt: at(50),
        updatedBy: "赵护士",
        occurredAt: at(30),
      },
      { caseId: "c1" },
    );
    log.record("transfer-t1", "PreArrivalAlertAcknowledged", acknowledged("t1", 31), { caseId: "c1" });
    expect(foldArrival(log)?.alert).toMatchObject({
      expectedArrivalAt: at(50),
      etaUpdatedBy: "赵护士",
      acknowledgedBy: "张主任",
      acknowledgedAt: at(31),
    });
    log.record("transfer-t1", "TransferArrived", data.transferArrived("t1", 50), { caseId: "c1" });
    expect(foldArrival(log)?.status).toBe("arrived");
    log.record("transfer-t1", "HandoverCompleted", data.handoverCompleted("t1", 55), { caseId: "c1" });
    expect(foldArrival(log)).toBeNull();
  });

  it("000 §十二(八) R-TRF-7: a diversion moves the document and a fresh, unacknowledged alert to the new destination", () => {
    const log = departedLog();
    log.record("transfer-t1", "PreArrivalAlertAcknowledged", acknowledged("t1", 22), { caseId: "c1" });
    log.record(
      "transfer-t1",
      "TransferDiverted",
      {
        transferId: "t1",
        fromInstitutionId: "centre_1",
        toInstitutionId: "centre_2",
        reason: "满床",
        divertedBy: "调度员甲",
        occurredAt: at(25),
      },
      { caseId: "c1" },
    );
    log.record(
      "transfer-t1",
      "PreArrivalAlertRaised",
      raised("t1", 25, {
        destinationInstitutionId: "centre_2",
        cause: "diversion",
        expectedArrivalAt: undefined,
      }),
      { caseId: "c1" },
    );
    expect(foldArrival(log)).toMatchObject({
      destinationInstitutionId: "centre_2",
      alert: { cause: "diversion", acknowledgedAt: null, expectedArrivalAt: null, alertedAt: at(25) },
    });
  });

  it(`R-TRF-7: an unacknowledged orange-or-above alert is an alarm at exactly ${ACK_MINUTES} minutes, on the board too`, () => {
    const log = departedLog();
    const doc = foldArrival(log) as Arrival;
    expect(arrivalView(doc, atMinute(20 + ACK_MINUTES - 0.01), ACK_MINUTES).alarms).toEqual([]);
    expect(arrivalView(doc, atMinute(20 + ACK_MINUTES), ACK_MINUTES).alarms).toEqual([
      { kind: "pre_arrival_unacknowledged", since: at(20), overdueByMinutes: 0 },
    ]);
    expect(boardAlarmsAt(log, 20 + ACK_MINUTES - 0.01)).toEqual([]);
    expect(boardAlarmsAt(log, 20 + ACK_MINUTES)).toEqual(["pre_arrival_unacknowledged"]);
    log.record("transfer-t1", "PreArrivalAlertAcknowledged", acknowledged("t1", 26), { caseId: "c1" });
    expect(arrivalView(foldArrival(log) as Arrival, atMinute(60), ACK_MINUTES).alarms).toEqual([]);
    expect(boardAlarmsAt(log, 60)).toEqual([]);
  });

  it("R-TRF-7: a yellow woman's unacknowledged alert is no alarm", () => {
    const log = departedLog("yellow");
    expect(arrivalView(foldArrival(log) as Arrival, atMinute(120), ACK_MINUTES).alarms).toEqual([]);
    expect(boardAlarmsAt(log, 120)).toEqual([]);
  });
});
