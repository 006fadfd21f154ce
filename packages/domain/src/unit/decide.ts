import type { Ambulance } from "../reference/reference.js";
import type { DecisionContext } from "../shared/context.js";
import { type Decider, type Decision, type Rejection, reject } from "../shared/decider.js";
import { checkOccurredAt } from "../shared/steps.js";
import type { UnitCommand } from "./commands.js";
import type { UnitEvent, UnitStatus } from "./events.js";
import { DISPATCHABLE, evolve, initialState, ON_TRANSFER, type UnitState } from "./unit.js";

type Cmd<T extends UnitCommand["type"]> = Extract<UnitCommand, { type: T }>;

export const UNIT_STATUS_WORDS: Record<UnitStatus, string> = {
  available: "available",
  dispatched: "dispatched",
  at_scene: "at the transferring institution",
  transporting: "transporting a woman",
  at_hospital: "at the receiving hospital",
  back_in_service: "back in service",
  out_of_service: "out of service",
  disinfection_pending: "awaiting disinfection after an infectious-disease transfer",
};

const describeStatus = (state: UnitState): string =>
  `${UNIT_STATUS_WORDS[state.status]}${state.since ? ` since ${state.since}` : ""}${
    state.transfer ? ` (transfer ${state.transfer.transferId})` : ""
  }`;

/** The rejection names the unit's current status in its code (`unit_out_of_service`) and in words. */
const inStatus = (ambulance: Ambulance, state: UnitState, action: string, rule?: string): Rejection =>
  reject(
    `unit_${state.status}`,
    `ambulance ${ambulance.callSign} is ${describeStatus(state)}; ${action}`,
    rule,
  );

const known = (context: DecisionContext, ambulanceId: string): Ambulance | Rejection =>
  context.reference.ambulance(ambulanceId) ??
  reject("unknown_ambulance", `ambulance ${ambulanceId} is not in the reference data`);

const isAmbulance = (value: Ambulance | Rejection): value is Ambulance => !("kind" in value);

/** 000 §十二(六), R-TRF-5: the unit that carried an infectious woman is disinfected before it serves again. */
const awaitingDisinfection = (ambulance: Ambulance, state: UnitState, action: string): Rejection =>
  reject(
    "unit_disinfection_pending",
    `ambulance ${ambulance.callSign} carried a woman with an infectious disease (transfer ${state.disinfectionAfter?.transferId}) and must be disinfected first (000 §十二(六)); ${action}`,
    "R-TRF-5",
  );

// 000 §十(四), §十二(二)(六); R-TRF-9, R-TRF-5. The claim is appended with the unit stream's revision, so two
// dispatchers cannot take one unit at once: the second decides again on the claimed unit and is refused.
export const assignUnit = (
  command: Cmd<"AssignUnit">,
  state: UnitState,
  context: DecisionContext,
): Decision<UnitEvent> => {
  const { data, ambulanceId } = command;
  const ambulance = known(context, ambulanceId);
  if (!isAmbulance(ambulance)) return ambulance;
  const time = checkOccurredAt(data.occurredAt, undefined, context.now);
  if (time) return time;
  if (state.transfer?.transferId === data.transferId) return [];
  // No override: an undisinfected unit would carry the infection to the next woman.
  if (state.disinfectionAfter) return awaitingDisinfection(ambulance, state, "it cannot be dispatched");
  const dispatchable = DISPATCHABLE.includes(state.status);
  if (!dispatchable && data.overrideReason === undefined) {
    return inStatus(
      ambulance,
      state,
      "dispatch an available unit, or give an override reason to send this one anyway",
      "R-TRF-9",
    );
  }
  return [
    {
      type: "UnitAssigned",
      data: {
        ambulanceId,
        transferId: data.transferId,
        caseId: data.caseId,
        infectious: data.infectious,
        previousStatus: state.status,
        // Kept only when the unit was not free: that is what an auditor looks for.
        overrideReason: dispatchable ? undefined : data.overrideReason,
        assignedBy: data.assignedBy,
        occurredAt: data.occurredAt,
      },
    },
  ];
};

/** A step of the transfer the unit is on; a transfer the unit was taken from no longer moves it. */
export const recordUnitStatus = (command: Cmd<"RecordUnitStatus">, state: UnitState): Decision<UnitEvent> => {
  const { data, ambulanceId } = command;
  const transfer = state.transfer;
  if (transfer?.transferId !== data.transferId) return [];
  return [
    {
      type: "UnitStatusRecorded",
      data: {
        ambulanceId,
        transferId: transfer.transferId,
        caseId: transfer.caseId,
        status: data.status,
        occurredAt: data.occurredAt,
      },
    },
  ];
};

// 000 §十二(六), R-TRF-5: after carrying an infectious woman the unit awaits disinfection; otherwise it is back
// in service. A transfer cancelled before departure never carried her.
export const releaseUnit = (command: Cmd<"ReleaseUnit">, state: UnitState): Decision<UnitEvent> => {
  const { data, ambulanceId } = command;
  const transfer = state.transfer;
  if (transfer?.transferId !== data.transferId) return [];
  const carried = transfer.carried || data.reason === "handed_over";
  return [
    {
      type: "UnitReleased",
      data: {
        ambulanceId,
        transferId: transfer.transferId,
        caseId: transfer.caseId,
        reason: data.reason,
        disinfectionRequired: transfer.infectious && carried,
        occurredAt: data.occurredAt,
      },
    },
  ];
};

// 000 §十二(六): 做好车辆消毒; who did it and when. R-TRF-5.
export const recordUnitDisinfected = (
  command: Cmd<"RecordUnitDisinfected">,
  state: UnitState,
  context: DecisionContext,
): Decision<UnitEvent> => {
  const { data, ambulanceId } = command;
  const ambulance = known(context, ambulanceId);
  if (!isAmbulance(ambulance)) return ambulance;
  const pending = state.disinfectionAfter;
  if (!pending) {
    return reject(
      "no_disinfection_pending",
      `ambulance ${ambulance.callSign} is ${describeStatus(state)}; no disinfection after an infectious-disease transfer is pending`,
      "R-TRF-5",
    );
  }
  const time = checkOccurredAt(data.occurredAt, state.lastOccurredAt, context.now);
  if (time) return time;
  return [
    {
      type: "UnitDisinfected",
      data: {
        ambulanceId,
        transferId: pending.transferId,
        caseId: pending.caseId,
        disinfectedBy: data.disinfectedBy,
        occurredAt: data.occurredAt,
      },
    },
  ];
};

/** Out of service (停用: repair, no crew) with a reason; not while on a transfer, which must end first. */
export const takeUnitOutOfService = (
  command: Cmd<"TakeUnitOutOfService">,
  state: UnitState,
  context: DecisionContext,
): Decision<UnitEvent> => {
  const { data, ambulanceId } = command;
  const ambulance = known(context, ambulanceId);
  if (!isAmbulance(ambulance)) return ambulance;
  if (ON_TRANSFER.includes(state.status) || state.status === "out_of_service") {
    return inStatus(
      ambulance,
      state,
      state.status === "out_of_service"
        ? "it is already out of service"
        : "hand over or cancel its transfer before taking it out of service",
    );
  }
  const time = checkOccurredAt(data.occurredAt, state.lastOccurredAt, context.now);
  if (time) return time;
  return [
    {
      type: "UnitTakenOutOfService",
      data: { ambulanceId, reason: data.reason, recordedBy: data.recordedBy, occurredAt: data.occurredAt },
    },
  ];
};

// R-TRF-5: "available" is refused while disinfection after an infectious-disease transfer is pending.
export const returnUnitToService = (
  command: Cmd<"ReturnUnitToService">,
  state: UnitState,
  context: DecisionContext,
): Decision<UnitEvent> => {
  const { data, ambulanceId } = command;
  const ambulance = known(context, ambulanceId);
  if (!isAmbulance(ambulance)) return ambulance;
  if (state.disinfectionAfter) return awaitingDisinfection(ambulance, state, "it cannot be made available");
  if (state.status !== "out_of_service" && state.status !== "back_in_service") {
    return inStatus(
      ambulance,
      state,
      state.status === "available" ? "it is already available" : "its transfer must end first",
    );
  }
  const time = checkOccurredAt(data.occurredAt, state.lastOccurredAt, context.now);
  if (time) return time;
  return [
    {
      type: "UnitReturnedToService",
      data: { ambulanceId, recordedBy: data.recordedBy, occurredAt: data.occurredAt },
    },
  ];
};

export const decide = (
  command: UnitCommand,
  state: UnitState,
  context: DecisionContext,
): Decision<UnitEvent> => {
  switch (command.type) {
    case "AssignUnit":
      return assignUnit(command, state, context);
    case "RecordUnitStatus":
      return recordUnitStatus(command, state);
    case "ReleaseUnit":
      return releaseUnit(command, state);
    case "RecordUnitDisinfected":
      return recordUnitDisinfected(command, state, context);
    case "TakeUnitOutOfService":
      return takeUnitOutOfService(command, state, context);
    case "ReturnUnitToService":
      return returnUnitToService(command, state, context);
    default: {
      const unexpected: never = command;
      throw new Error(`unknown unit command ${(unexpected as { type: string }).type}`);
    }
  }
};

export const unitDecider: Decider<UnitCommand, UnitEvent, UnitState, DecisionContext> = {
  initialState,
  evolve,
  decide,
};
