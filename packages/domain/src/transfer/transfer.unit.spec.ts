import { describe, expect, it } from "vitest";
import { referenceLookup } from "../reference/lookup.js";
import { fold } from "../shared/decider.js";
import type { RiskGrade } from "../shared/risk.js";
import { fixtureReference, minutesAgo, NOW } from "../testing/fixture.js";
import { specification } from "../testing/specification.js";
import type { TransferCommand } from "./commands.js";
import { transferDecider } from "./decide.js";
import type { TransferEvent } from "./events.js";
import { requiredAmbulanceTypes } from "./transfer.js";

const given = specification(transferDecider);
const transferId = "t1";
const patient = { name: "王小红" };
const condition = { summary: "神志清，阴道流血减少", vitalSigns: { systolicBp: 150, heartRate: 110 } };
const anyEvent = expect.anything() as unknown as TransferEvent;

const requestCommand = (
  data: Partial<Extract<TransferCommand, { type: "RequestTransfer" }>["data"]> = {},
): TransferCommand => ({
  type: "RequestTransfer",
  transferId,
  data: {
    caseId: "case1",
    patientKind: "maternal",
    patient,
    riskGrade: "orange",
    originInstitutionId: "mch1",
    destinationInstitutionId: "centre",
    veryCritical: false,
    clinicalSummary: "前置胎盘出血",
    requestedBy: "李医生",
    occurredAt: minutesAgo(60),
    ...data,
  },
});

const requested = (riskGrade: RiskGrade = "orange", escortRequired = false): TransferEvent => ({
  type: "TransferRequested",
  data: {
    transferId,
    caseId: "case1",
    patientKind: "maternal",
    patient,
    riskGrade,
    originInstitutionId: "mch1",
    destinationInstitutionId: "centre",
    requiredAmbulanceType: requiredAmbulanceTypes("maternal", riskGrade, referenceLookup(fixtureReference)),
    escortRequired,
    clinicalSummary: "前置胎盘出血",
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
const atOrigin: TransferEvent = {
  type: "UnitArrivedAtOrigin",
  data: { transferId, occurredAt: minutesAgo(45) },
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
const arrived: TransferEvent = {
  type: "TransferArrived",
  data: { transferId, institutionId: "centre", occurredAt: minutesAgo(10) },
};

const dispatch = (ambulanceId: string, overrideReason?: string): TransferCommand => ({
  type: "DispatchUnit",
  transferId,
  data: { ambulanceId, dispatchedBy: "调度员甲", overrideReason, occurredAt: minutesAgo(55) },
});
const depart = (escorts: string[], clinicalRecordHandedOver: boolean): TransferCommand => ({
  type: "RecordDeparture",
  transferId,
  data: { condition, escorts, clinicalRecordHandedOver, occurredAt: minutesAgo(40) },
});
const cancel: TransferCommand = {
  type: "CancelTransfer",
  transferId,
  data: { cancelledBy: "李医生", reason: "家属拒绝转运", occurredAt: minutesAgo(30) },
};
const divert = (toInstitutionId: string): TransferCommand => ({
  type: "DivertTransfer",
  transferId,
  data: { toInstitutionId, reason: "中心手术室满", divertedBy: "调度员甲", occurredAt: minutesAgo(30) },
});

describe("transfer: ambulance type", () => {
  const lookup = referenceLookup(fixtureReference);
  it("000 §十二(六) R-TRF-5: a purple woman needs an infectious-disease ambulance", () => {
    expect(requiredAmbulanceTypes("maternal", "purple", lookup)).toEqual(["infectious_disease"]);
  });
  it("000 §十二(四) R-TRF-3: a newborn needs a neonatal ambulance where the region has one, else a monitored one", () => {
    expect(requiredAmbulanceTypes("neonatal", "red", lookup)).toEqual(["neonatal"]);
    const none = referenceLookup({
      ...fixtureReference,
      ambulances: fixtureReference.ambulances.filter((a) => a.type !== "neonatal"),
    });
    expect(requiredAmbulanceTypes("neonatal", "red", none)).toEqual(["monitored"]);
  });
  it("000 §十二(三) R-TRF-2: orange and red women need a monitored ambulance; green and yellow any road ambulance", () => {
    expect(requiredAmbulanceTypes("maternal", "orange", lookup)).toEqual(["monitored"]);
    expect(requiredAmbulanceTypes("maternal", "red", lookup)).toEqual(["monitored"]);
    expect(requiredAmbulanceTypes("maternal", "yellow", lookup)).toEqual(["ordinary", "monitored"]);
  });
});

describe("transfer: request", () => {
  it("000 §十二(三) R-TRF-2: a request records the required ambulance type", () => {
    given([])
      .when(requestCommand())
      .then([requested("orange", false)]);
  });
  it("000 §十二(五) R-TRF-4: a red or very critical woman requires an escort", () => {
    given([])
      .when(requestCommand({ riskGrade: "red" }))
      .then([requested("red", true)]);
    const [event] = given([])
      .when(requestCommand({ veryCritical: true }))
      .then([anyEvent]);
    expect(event?.type === "TransferRequested" && event.data.escortRequired).toBe(true);
  });
  it("000 §十二(一): origin and destination must exist and differ", () => {
    given([])
      .when(requestCommand({ originInstitutionId: "nowhere" }))
      .thenRejects("unknown_institution");
    given([])
      .when(requestCommand({ destinationInstitutionId: "nowhere" }))
      .thenRejects("unknown_institution");
    given([])
      .when(requestCommand({ destinationInstitutionId: "mch1" }))
      .thenRejects("destination_is_origin");
  });
  it("000 §十二(一): a transfer is requested only once on a stream", () => {
    given([requested()]).when(requestCommand()).thenRejects("transfer_exists");
  });
});

describe("transfer: dispatch", () => {
  it("000 §十二(三) R-TRF-2: a monitored ambulance is dispatched for an orange woman", () => {
    given([requested()])
      .when(dispatch("amb_mon"))
      .then([{ ...dispatched, data: { ...dispatched.data, overrideReason: undefined } }]);
  });
  it("000 §十二(三) R-TRF-2: an ordinary ambulance for an orange woman is refused without an override reason", () => {
    const rejection = given([requested()]).when(dispatch("amb_ord")).thenRejects("ambulance_type_mismatch");
    expect(rejection.rule).toBe("R-TRF-2");
  });
  it("000 §十(四) R-TRF-9: the dispatcher may override the type with a reason, which is recorded", () => {
    const [event] = given([requested()]).when(dispatch("amb_ord", "监护型均在任务中")).then([anyEvent]);
    expect(event?.type === "UnitDispatched" && event.data).toMatchObject({
      ambulanceType: "ordinary",
      overrideReason: "监护型均在任务中",
    });
  });
  it("000 §十二(六) R-TRF-5: a purple woman is not sent in a monitored ambulance without an override", () => {
    given([requested("purple")])
      .when(dispatch("amb_mon"))
      .thenRejects("ambulance_type_mismatch");
  });
  it("000 §十(四) R-TRF-9: the ambulance must exist and a unit is dispatched only once", () => {
    given([requested()]).when(dispatch("amb_x")).thenRejects("unknown_ambulance");
    given([requested(), dispatched]).when(dispatch("amb_mon")).thenRejects("transfer_dispatched");
  });
});

describe("transfer: the trip", () => {
  it("000 §十二(十) R-TRF-8: the unit arrives at the origin after dispatch", () => {
    const command: TransferCommand = {
      type: "RecordUnitArrivedAtOrigin",
      transferId,
      data: { occurredAt: minutesAgo(45) },
    };
    given([requested()]).when(command).thenRejects("transfer_requested");
    given([requested(), dispatched]).when(command).then([atOrigin]);
  });
  it("000 §十二(十) R-TRF-8: departure records time, condition and escorts, also straight after dispatch", () => {
    given([requested(), dispatched, atOrigin])
      .when(depart(["护士乙"], true))
      .then([departed, anyEvent]);
    given([requested(), dispatched])
      .when(depart(["护士乙"], true))
      .then([departed, anyEvent]);
    given([requested()])
      .when(depart(["护士乙"], true))
      .thenRejects("transfer_requested");
  });
  it("000 §十二(五) R-TRF-4: a woman who needs an escort cannot depart without one carrying the record", () => {
    const base = [requested("red", true), dispatched, atOrigin];
    given(base).when(depart([], true)).thenRejects("escort_required");
    given(base)
      .when(depart(["护士乙"], false))
      .thenRejects("escort_required");
    given(base)
      .when(depart(["护士乙"], true))
      .then([departed, anyEvent]);
  });
  it("000 §十二(十) R-TRF-8: en-route care is recorded only while en route", () => {
    const command: TransferCommand = {
      type: "RecordEnRouteCare",
      transferId,
      data: {
        kind: "treatment",
        description: "缩宫素静滴",
        performedBy: "护士乙",
        occurredAt: minutesAgo(30),
      },
    };
    given([requested(), dispatched, atOrigin, departed])
      .when(command)
      .then([{ type: "EnRouteCareRecorded", data: { transferId, ...(command.data as object) } as never }]);
    given([requested(), dispatched, atOrigin]).when(command).thenRejects("transfer_at_origin");
    given([requested(), dispatched, atOrigin, departed, arrived])
      .when(command)
      .thenRejects("transfer_arrived");
  });
  it("000 §十二(七) R-TRF-6: remote video guidance is recorded only while en route", () => {
    const command: TransferCommand = {
      type: "RecordRemoteGuidance",
      transferId,
      data: { expert: "陈主任", channel: "video", advice: "加快补液", occurredAt: minutesAgo(30) },
    };
    given([requested(), dispatched, atOrigin, departed])
      .when(command)
      .then([{ type: "RemoteGuidanceGiven", data: { transferId, ...(command.data as object) } as never }]);
    given([requested(), dispatched]).when(command).thenRejects("transfer_dispatched");
  });
  it("000 §十二(十) R-TRF-8: arrival after departure carries the current destination", () => {
    const command: TransferCommand = {
      type: "RecordArrival",
      transferId,
      data: { occurredAt: minutesAgo(10) },
    };
    given([requested(), dispatched, atOrigin]).when(command).thenRejects("transfer_at_origin");
    const diverted: TransferEvent = {
      type: "TransferDiverted",
      data: {
        transferId,
        fromInstitutionId: "centre",
        toInstitutionId: "gen1",
        reason: "中心手术室满",
        divertedBy: "调度员甲",
        occurredAt: minutesAgo(30),
      },
    };
    given([requested(), dispatched, atOrigin, departed, diverted])
      .when(command)
      .then([
        { type: "TransferArrived", data: { transferId, institutionId: "gen1", occurredAt: minutesAgo(10) } },
      ]);
  });
  it("000 §十二(十) R-TRF-8: the condition handover follows arrival, with both persons named", () => {
    const command: TransferCommand = {
      type: "CompleteHandover",
      transferId,
      data: {
        handedOverBy: "护士乙",
        receivedBy: "赵护士",
        condition,
        documents: ["病历摘要"],
        occurredAt: minutesAgo(5),
      },
    };
    given([requested(), dispatched, atOrigin, departed]).when(command).thenRejects("transfer_en_route");
    const events = given([requested(), dispatched, atOrigin, departed, arrived])
      .when(command)
      .then([{ type: "HandoverCompleted", data: { transferId, ...(command.data as object) } as never }]);
    expect(
      fold(transferDecider, [requested(), dispatched, atOrigin, departed, arrived, ...events]).status,
    ).toBe("handed_over");
  });
});

describe("transfer: divert and cancel", () => {
  it("000 §十二(八) R-TRF-7: a transfer en route may be diverted to a capable institution with a reason", () => {
    const events = given([requested(), dispatched, atOrigin, departed]).when(divert("gen1")).then([anyEvent]);
    const state = fold(transferDecider, [requested(), dispatched, atOrigin, departed, ...events]);
    expect(state.status === "en_route" && state.destinationInstitutionId).toBe("gen1");
    given([requested(), dispatched, atOrigin, departed])
      .when(divert("centre"))
      .thenRejects("divert_to_same_institution");
    given([requested(), dispatched, atOrigin, departed])
      .when(divert("disp"))
      .thenRejects("destination_cannot_receive");
    given([requested(), dispatched, atOrigin, departed])
      .when(divert("nowhere"))
      .thenRejects("unknown_institution");
  });
  it("000 §十二(十) R-TRF-8: a transfer cannot be diverted after arrival", () => {
    given([requested(), dispatched, atOrigin, departed, arrived])
      .when(divert("gen1"))
      .thenRejects("transfer_arrived");
  });
  it("000 §十二(一): a transfer can be cancelled before departure", () => {
    given([requested(), dispatched])
      .when(cancel)
      .then([{ type: "TransferCancelled", data: { transferId, ...(cancel.data as object) } as never }]);
  });
  it("000 §十二(一): after departure she is in the ambulance: cancelling is refused, divert instead", () => {
    const rejection = given([requested(), dispatched, atOrigin, departed])
      .when(cancel)
      .thenRejects("transfer_departed");
    expect(rejection.reason).toContain("divert");
  });
});

describe("transfer: occurredAt", () => {
  it("000 §十二(十): a step may not be dated before the previous step", () => {
    const early: TransferCommand = {
      type: "RecordArrival",
      transferId,
      data: { occurredAt: minutesAgo(41) },
    };
    given([requested(), dispatched, atOrigin, departed])
      .when(early)
      .thenRejects("occurred_before_previous_step");
  });
  it("000 §十二(十): a step may not be dated in the future beyond the allowed clock skew", () => {
    const late: TransferCommand = {
      type: "RecordArrival",
      transferId,
      data: { occurredAt: new Date(NOW.getTime() + 10 * 60_000).toISOString() },
    };
    given([requested(), dispatched, atOrigin, departed]).when(late).thenRejects("occurred_in_future");
  });
});
