import { describe, expect, it } from "vitest";
import { fold } from "../shared/decider.js";
import { minutesAgo } from "../testing/fixture.js";
import { specification } from "../testing/specification.js";
import type { UnitCommand } from "./commands.js";
import { unitDecider } from "./decide.js";
import type { UnitEvent } from "./events.js";

const given = specification(unitDecider);
const ambulanceId = "amb_mon";

const assign = (data: Partial<Extract<UnitCommand, { type: "AssignUnit" }>["data"]> = {}): UnitCommand => ({
  type: "AssignUnit",
  ambulanceId,
  data: {
    transferId: "t1",
    caseId: "case1",
    infectious: false,
    assignedBy: "调度员赵",
    occurredAt: minutesAgo(50),
    ...data,
  },
});

const assigned = (transferId = "t1", infectious = false): UnitEvent => ({
  type: "UnitAssigned",
  data: {
    ambulanceId,
    transferId,
    caseId: "case1",
    infectious,
    previousStatus: "available",
    assignedBy: "调度员赵",
    occurredAt: minutesAgo(50),
  },
});
const atStatus = (status: "at_scene" | "transporting" | "at_hospital", minutes: number): UnitEvent => ({
  type: "UnitStatusRecorded",
  data: { ambulanceId, transferId: "t1", caseId: "case1", status, occurredAt: minutesAgo(minutes) },
});
const released = (disinfectionRequired: boolean): UnitEvent => ({
  type: "UnitReleased",
  data: {
    ambulanceId,
    transferId: "t1",
    caseId: "case1",
    reason: "handed_over",
    disinfectionRequired,
    occurredAt: minutesAgo(10),
  },
});
const outOfService: UnitEvent = {
  type: "UnitTakenOutOfService",
  data: { ambulanceId, reason: "发动机故障", recordedBy: "调度员赵", occurredAt: minutesAgo(40) },
};
const carriedInfectious: UnitEvent[] = [
  assigned("t1", true),
  atStatus("at_scene", 40),
  atStatus("transporting", 30),
  atStatus("at_hospital", 15),
  released(true),
];

const disinfect = (minutes = 5): UnitCommand => ({
  type: "RecordUnitDisinfected",
  ambulanceId,
  data: { disinfectedBy: "洗消员孙", occurredAt: minutesAgo(minutes) },
});
const backInService: UnitCommand = {
  type: "ReturnUnitToService",
  ambulanceId,
  data: { recordedBy: "调度员赵", occurredAt: minutesAgo(5) },
};

describe("dispatching a unit, 000 §十(四) §十二(二), R-TRF-9", () => {
  it("R-TRF-9 an available unit (no events yet) is claimed for the transfer", () => {
    given([]).when(assign()).then([assigned()]);
  });

  it("R-TRF-9 a unit back in service after a handover is dispatchable without override", () => {
    const [event] = given([assigned(), released(false)])
      .when(assign({ transferId: "t2", occurredAt: minutesAgo(5) }))
      .then([expectAssigned("t2", "back_in_service", minutesAgo(5))]);
    expect(event?.type).toBe("UnitAssigned");
  });

  it("R-TRF-9 a unit already on another transfer is refused, naming its status", () => {
    const refusal = given([assigned("t0")])
      .when(assign())
      .thenRejects("unit_dispatched");
    expect(refusal.rule).toBe("R-TRF-9");
    expect(refusal.reason).toContain("transfer t0");
  });

  it("R-TRF-9 an out-of-service unit is refused without an override reason", () => {
    given([outOfService]).when(assign()).thenRejects("unit_out_of_service");
  });

  it("R-TRF-9 an override reason sends a busy unit anyway, and the reason and former status are recorded", () => {
    given([outOfService])
      .when(assign({ overrideReason: "唯一可用监护车，故障不影响行驶" }))
      .then([
        {
          type: "UnitAssigned",
          data: {
            ...(assigned().data as Extract<UnitEvent, { type: "UnitAssigned" }>["data"]),
            previousStatus: "out_of_service",
            overrideReason: "唯一可用监护车，故障不影响行驶",
          },
        },
      ]);
  });

  it("R-TRF-9 an override reason on an available unit is not recorded: nothing was overridden", () => {
    given([])
      .when(assign({ overrideReason: "无" }))
      .then([assigned()]);
  });

  it("R-TRF-9 a unit taken from a transfer by override no longer follows that transfer's steps", () => {
    const taken: UnitEvent = {
      type: "UnitAssigned",
      data: { ...(assigned("t2").data as Extract<UnitEvent, { type: "UnitAssigned" }>["data"]) },
    };
    given([assigned("t1"), taken])
      .when({
        type: "RecordUnitStatus",
        ambulanceId,
        data: { transferId: "t1", status: "transporting", occurredAt: minutesAgo(20) },
      })
      .then([]);
  });

  it("R-TRF-9 a withdrawn dispatch (the transfer took another unit) leaves the unit as it was before the claim", () => {
    const overridden: UnitEvent = {
      type: "UnitAssigned",
      data: {
        ...(assigned().data as Extract<UnitEvent, { type: "UnitAssigned" }>["data"]),
        previousStatus: "out_of_service",
        overrideReason: "唯一可用",
      },
    };
    const withdrawn: UnitEvent = {
      type: "UnitReleased",
      data: {
        ambulanceId,
        transferId: "t1",
        caseId: "case1",
        reason: "dispatch_withdrawn",
        disinfectionRequired: false,
        occurredAt: minutesAgo(50),
      },
    };
    given([outOfService, overridden])
      .when({
        type: "ReleaseUnit",
        ambulanceId,
        data: { transferId: "t1", reason: "dispatch_withdrawn", occurredAt: minutesAgo(50) },
      })
      .then([withdrawn]);
    const state = fold(unitDecider, [outOfService, overridden, withdrawn]);
    expect(state).toMatchObject({ status: "out_of_service", since: minutesAgo(40), transfer: undefined });
  });

  it("R-TRF-9 a withdrawn override returns the unit to the transfer it was taken from", () => {
    const withdrawnT2: UnitEvent = {
      type: "UnitReleased",
      data: {
        ambulanceId,
        transferId: "t2",
        caseId: "case1",
        reason: "dispatch_withdrawn",
        disinfectionRequired: false,
        occurredAt: minutesAgo(45),
      },
    };
    given([assigned("t1"), assigned("t2"), withdrawnT2])
      .when({
        type: "RecordUnitStatus",
        ambulanceId,
        data: { transferId: "t1", status: "at_scene", occurredAt: minutesAgo(40) },
      })
      .then([atStatus("at_scene", 40)]);
  });

  it("R-TRF-9 an ambulance that is not in the reference data is refused", () => {
    given([])
      .when({ ...assign(), ambulanceId: "amb_ghost" } as UnitCommand)
      .thenRejects("unknown_ambulance");
  });
});

const expectAssigned = (
  transferId: string,
  previousStatus: "back_in_service",
  occurredAt: string,
): UnitEvent => ({
  type: "UnitAssigned",
  data: {
    ambulanceId,
    transferId,
    caseId: "case1",
    infectious: false,
    previousStatus,
    assignedBy: "调度员赵",
    occurredAt,
  },
});

describe("the transfer's steps move the unit, 000 §十二", () => {
  it("R-TRF-9 arrival at the origin, departure and arrival record at scene, transporting, at hospital", () => {
    given([assigned()])
      .when({
        type: "RecordUnitStatus",
        ambulanceId,
        data: { transferId: "t1", status: "at_scene", occurredAt: minutesAgo(40) },
      })
      .then([atStatus("at_scene", 40)]);
    const state = fold(unitDecider, [assigned(), atStatus("at_scene", 40), atStatus("transporting", 30)]);
    expect(state.status).toBe("transporting");
    expect(state.since).toBe(minutesAgo(30));
  });

  it("R-TRF-9 a handover of a non-infectious woman puts the unit back in service", () => {
    given([assigned(), atStatus("transporting", 30)])
      .when({
        type: "ReleaseUnit",
        ambulanceId,
        data: { transferId: "t1", reason: "handed_over", occurredAt: minutesAgo(10) },
      })
      .then([released(false)]);
    expect(fold(unitDecider, [assigned(), released(false)]).status).toBe("back_in_service");
  });
});

describe("disinfection after an infectious-disease transfer, 000 §十二(六), R-TRF-5", () => {
  it("R-TRF-5 the handover of an infectious woman leaves the unit awaiting disinfection", () => {
    given(carriedInfectious.slice(0, 4))
      .when({
        type: "ReleaseUnit",
        ambulanceId,
        data: { transferId: "t1", reason: "handed_over", occurredAt: minutesAgo(10) },
      })
      .then([released(true)]);
    expect(fold(unitDecider, carriedInfectious).status).toBe("disinfection_pending");
  });

  it("R-TRF-5 an infectious transfer cancelled before she was carried needs no disinfection", () => {
    given([assigned("t1", true), atStatus("at_scene", 40)])
      .when({
        type: "ReleaseUnit",
        ambulanceId,
        data: { transferId: "t1", reason: "cancelled", occurredAt: minutesAgo(10) },
      })
      .then([
        {
          type: "UnitReleased",
          data: {
            ambulanceId,
            transferId: "t1",
            caseId: "case1",
            reason: "cancelled",
            disinfectionRequired: false,
            occurredAt: minutesAgo(10),
          },
        },
      ]);
  });

  it("R-TRF-5 a unit awaiting disinfection cannot be dispatched, not even with an override reason", () => {
    const refusal = given(carriedInfectious)
      .when(assign({ transferId: "t2", overrideReason: "紧急", occurredAt: minutesAgo(5) }))
      .thenRejects("unit_disinfection_pending");
    expect(refusal.rule).toBe("R-TRF-5");
  });

  it("R-TRF-5 back in service is refused while disinfection is pending", () => {
    given(carriedInfectious).when(backInService).thenRejects("unit_disinfection_pending");
  });

  it("R-TRF-5 disinfection done (who, when) makes the unit available again", () => {
    const disinfected: UnitEvent = {
      type: "UnitDisinfected",
      data: {
        ambulanceId,
        transferId: "t1",
        caseId: "case1",
        disinfectedBy: "洗消员孙",
        occurredAt: minutesAgo(5),
      },
    };
    given(carriedInfectious).when(disinfect()).then([disinfected]);
    expect(fold(unitDecider, [...carriedInfectious, disinfected]).status).toBe("available");
  });

  it("R-TRF-5 disinfection is refused when none is pending", () => {
    given([]).when(disinfect()).thenRejects("no_disinfection_pending");
  });

  it("R-TRF-5 disinfection cannot be recorded before the handover it follows", () => {
    given(carriedInfectious).when(disinfect(12)).thenRejects("occurred_before_previous_step");
  });
});

describe("out of service and back in service, R-TRF-9", () => {
  it("R-TRF-9 an available unit is taken out of service with a reason", () => {
    given([])
      .when({
        type: "TakeUnitOutOfService",
        ambulanceId,
        data: { reason: "发动机故障", recordedBy: "调度员赵", occurredAt: minutesAgo(40) },
      })
      .then([outOfService]);
  });

  it("R-TRF-9 a unit on a transfer cannot be taken out of service", () => {
    given([assigned()])
      .when({
        type: "TakeUnitOutOfService",
        ambulanceId,
        data: { reason: "发动机故障", recordedBy: "调度员赵", occurredAt: minutesAgo(40) },
      })
      .thenRejects("unit_dispatched");
  });

  it("R-TRF-9 back in service makes an out-of-service unit available", () => {
    given([outOfService])
      .when(backInService)
      .then([
        {
          type: "UnitReturnedToService",
          data: { ambulanceId, recordedBy: "调度员赵", occurredAt: minutesAgo(5) },
        },
      ]);
  });

  it("R-TRF-9 back in service is refused for an available unit", () => {
    given([]).when(backInService).thenRejects("unit_available");
  });
});
