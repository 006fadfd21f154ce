import { describe, expect, it } from "vitest";
import { referenceLookup } from "../reference/lookup.js";
import type { RiskGrade } from "../shared/risk.js";
import { fixtureReference, minutesAgo } from "../testing/fixture.js";
import { specification } from "../testing/specification.js";
import type { TransferCommand } from "./commands.js";
import { transferDecider } from "./decide.js";
import type { TransferEvent } from "./events.js";
import { UpdateArrivalEta } from "./preArrival.js";
import { requiredAmbulanceTypes } from "./transfer.js";

const given = specification(transferDecider);
const transferId = "t1";
const caseId = "case1";
const condition = { summary: "阴道流血约800ml", vitalSigns: { systolicBp: 88, heartRate: 122 } };

const requested = (riskGrade: RiskGrade = "red"): TransferEvent => ({
  type: "TransferRequested",
  data: {
    transferId,
    caseId,
    patientKind: "maternal",
    patient: { name: "王小红" },
    riskGrade,
    originInstitutionId: "mch1",
    destinationInstitutionId: "centre",
    requiredAmbulanceType: requiredAmbulanceTypes("maternal", riskGrade, referenceLookup(fixtureReference)),
    escortRequired: false,
    clinicalSummary: "产后出血",
    requestedBy: "李医生",
    occurredAt: minutesAgo(60),
  },
});
const dispatched: TransferEvent = {
  type: "UnitDispatched",
  data: {
    transferId,
    ambulanceId: "amb_mon",
    ambulanceType: "monitored",
    dispatchedBy: "调度员甲",
    occurredAt: minutesAgo(55),
  },
};
const departed: TransferEvent = {
  type: "TransferDeparted",
  data: {
    transferId,
    condition,
    escorts: ["护士乙"],
    clinicalRecordHandedOver: true,
    occurredAt: minutesAgo(40),
  },
};
const raised = (
  destinationInstitutionId = "centre",
  cause: "departure" | "diversion" = "departure",
  at = minutesAgo(40),
): TransferEvent => ({
  type: "PreArrivalAlertRaised",
  data: {
    transferId,
    caseId,
    destinationInstitutionId,
    riskGrade: "red",
    ...(cause === "departure" ? { expectedArrivalAt: minutesAgo(10) } : {}),
    readiness: { asks: ["theatre", "blood"], note: "备O型RhD阳性红细胞4U" },
    cause,
    occurredAt: at,
  },
});
const acknowledged: TransferEvent = {
  type: "PreArrivalAlertAcknowledged",
  data: { transferId, caseId, institutionId: "centre", acknowledgedBy: "张主任", occurredAt: minutesAgo(35) },
};
const enRoute = [requested(), dispatched, departed, raised()];

const depart = (data: Partial<Extract<TransferCommand, { type: "RecordDeparture" }>["data"]> = {}) =>
  ({
    type: "RecordDeparture",
    transferId,
    data: {
      condition,
      escorts: ["护士乙"],
      clinicalRecordHandedOver: true,
      expectedArrivalAt: minutesAgo(10),
      readiness: { asks: ["theatre", "blood"], note: "备O型RhD阳性红细胞4U" },
      occurredAt: minutesAgo(40),
      ...data,
    },
  }) as TransferCommand;
const acknowledge = (occurredAt = minutesAgo(35)): TransferCommand => ({
  type: "AcknowledgePreArrivalAlert",
  transferId,
  data: { acknowledgedBy: "张主任", occurredAt },
});
const updateEta = (expectedArrivalAt: string, occurredAt = minutesAgo(30)): TransferCommand => ({
  type: "UpdateArrivalEta",
  transferId,
  data: { expectedArrivalAt, updatedBy: "护士乙", occurredAt },
});

describe("pre-arrival alert (issue 9 §1)", () => {
  it("000 §十二(八) R-TRF-7: departure raises the alert to the destination with grade, ETA and the asks", () => {
    given([requested(), dispatched]).when(depart()).then([departed, raised()]);
  });

  it("000 §十二(八) R-TRF-7: a departure without ETA or asks still raises the alert", () => {
    const [, alert] = given([requested(), dispatched])
      .when(depart({ expectedArrivalAt: undefined, readiness: undefined }))
      .then([departed, expect.anything() as unknown as TransferEvent]);
    expect(alert?.type === "PreArrivalAlertRaised" && alert.data.readiness).toEqual({ asks: [] });
    expect(alert?.type === "PreArrivalAlertRaised" && alert.data.expectedArrivalAt).toBeUndefined();
  });

  it("R-TRF-7: an ETA before the departure or a day after it is refused", () => {
    given([requested(), dispatched])
      .when(depart({ expectedArrivalAt: minutesAgo(41) }))
      .thenRejects("eta_before_step");
    given([requested(), dispatched])
      .when(
        depart({ expectedArrivalAt: new Date(Date.parse(minutesAgo(40)) + 25 * 3_600_000).toISOString() }),
      )
      .thenRejects("eta_too_far");
  });

  it("R-TRF-7: the ETA is updated while en route, and not before departure or after arrival", () => {
    given(enRoute)
      .when(updateEta(minutesAgo(-5)))
      .then([
        {
          type: "PreArrivalEtaUpdated",
          data: {
            transferId,
            caseId,
            destinationInstitutionId: "centre",
            expectedArrivalAt: minutesAgo(-5),
            updatedBy: "护士乙",
            occurredAt: minutesAgo(30),
          },
        },
      ]);
    given([requested(), dispatched])
      .when(updateEta(minutesAgo(-5)))
      .thenRejects("transfer_dispatched");
    const arrived: TransferEvent = {
      type: "TransferArrived",
      data: { transferId, institutionId: "centre", occurredAt: minutesAgo(5) },
    };
    given([...enRoute, arrived])
      .when(updateEta(minutesAgo(-5), minutesAgo(1)))
      .thenRejects("transfer_arrived");
    given(enRoute)
      .when(updateEta(minutesAgo(31)))
      .thenRejects("eta_before_step");
  });

  it("R-TRF-7: the destination acknowledges the alert once, with a name and a time", () => {
    given(enRoute).when(acknowledge()).then([acknowledged]);
    given([...enRoute, acknowledged])
      .when(acknowledge(minutesAgo(30)))
      .thenRejects("alert_already_acknowledged");
    given(enRoute)
      .when(acknowledge(minutesAgo(45)))
      .thenRejects("occurred_before_previous_step");
    given([requested(), dispatched]).when(acknowledge()).thenRejects("transfer_dispatched");
  });

  it("R-TRF-7: a transfer that departed before alerts existed has no alert to acknowledge", () => {
    given([requested(), dispatched, departed]).when(acknowledge()).thenRejects("no_pre_arrival_alert");
  });

  it("R-TRF-7: the receiving side's entries do not stop a late en-route entry by the crew", () => {
    const care: TransferCommand = {
      type: "RecordEnRouteCare",
      transferId,
      data: {
        kind: "treatment",
        description: "缩宫素静滴",
        performedBy: "护士乙",
        occurredAt: minutesAgo(38),
      },
    };
    given([...enRoute, acknowledged])
      .when(care)
      .then([{ type: "EnRouteCareRecorded", data: { transferId, ...care.data } } as TransferEvent]);
  });

  it("000 §十二(八) R-TRF-7: a diversion en route re-targets the alert to the new destination, unacknowledged", () => {
    const divert: TransferCommand = {
      type: "DivertTransfer",
      transferId,
      data: {
        toInstitutionId: "gen1",
        reason: "中心手术室满",
        divertedBy: "调度员甲",
        occurredAt: minutesAgo(30),
      },
    };
    const events = given([...enRoute, acknowledged])
      .when(divert)
      .then([expect.anything() as unknown as TransferEvent, raised("gen1", "diversion", minutesAgo(30))]);
    // The new destination acknowledges its own alert.
    given([requested(), dispatched, departed, raised(), acknowledged, ...events])
      .when(acknowledge(minutesAgo(25)))
      .then([
        {
          type: "PreArrivalAlertAcknowledged",
          data: {
            transferId,
            caseId,
            institutionId: "gen1",
            acknowledgedBy: "张主任",
            occurredAt: minutesAgo(25),
          },
        },
      ]);
  });

  it("R-TRF-7: a diversion before departure raises no alert (the departure will)", () => {
    const divert: TransferCommand = {
      type: "DivertTransfer",
      transferId,
      data: {
        toInstitutionId: "gen1",
        reason: "中心手术室满",
        divertedBy: "调度员甲",
        occurredAt: minutesAgo(50),
      },
    };
    const events = given([requested(), dispatched])
      .when(divert)
      .then([expect.anything() as unknown as TransferEvent]);
    expect(events.map((e) => e.type)).toEqual(["TransferDiverted"]);
  });

  it("R-TRF-7: the ETA command names its fields (schema)", () => {
    const parsed = UpdateArrivalEta.safeParse({
      expectedArrivalAt: "soon",
      updatedBy: "",
      occurredAt: minutesAgo(1),
    });
    expect(parsed.success).toBe(false);
    expect(new Set(parsed.error?.issues.map((i) => i.path.join(".")))).toEqual(
      new Set(["expectedArrivalAt", "updatedBy"]),
    );
  });
});
