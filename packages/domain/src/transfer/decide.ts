import { cannotReceive } from "../reference/capability.js";
import type { Institution } from "../reference/reference.js";
import type { DecisionContext } from "../shared/context.js";
import { type Decider, type Decision, isRejection, type Rejection, reject } from "../shared/decider.js";
import type { RiskGrade } from "../shared/risk.js";
import { checkOccurredAt } from "../shared/steps.js";
import type { TransferCommand } from "./commands.js";
import type { TransferEvent } from "./events.js";
import { MAX_ETA_HOURS, type PreArrivalAlertState } from "./preArrival.js";
import {
  evolve,
  initialState,
  requiredAmbulanceTypes,
  type TransferState,
  type TransferStatus,
} from "./transfer.js";

type Cmd<T extends TransferCommand["type"]> = Extract<TransferCommand, { type: T }>;
type In<S extends TransferStatus> = Extract<TransferState, { status: S }>;

const STATUS_WORDS: Record<TransferStatus, string> = {
  none: "not started",
  requested: "requested, no unit dispatched yet",
  dispatched: "dispatched, the unit is on its way to the origin",
  at_origin: "waiting at the origin",
  en_route: "en route",
  arrived: "arrived",
  handed_over: "handed over",
  cancelled: "cancelled",
};

const wrongStatus = (transferId: string, state: TransferState, action: string): Rejection =>
  state.status === "none"
    ? reject("transfer_not_found", `transfer ${transferId} does not exist; ${action} is not possible`)
    : reject(
        `transfer_${state.status}`,
        `transfer ${transferId} is ${STATUS_WORDS[state.status]}; ${action} is not possible`,
      );

const inStatus = <S extends TransferStatus>(state: TransferState, statuses: readonly S[]): state is In<S> =>
  (statuses as readonly TransferStatus[]).includes(state.status);

const checkDestination = (
  context: DecisionContext,
  institutionId: string,
  originInstitutionId: string,
  riskGrade: RiskGrade,
): Institution | Rejection => {
  const to = context.reference.institution(institutionId);
  if (!to) return reject("unknown_institution", `institution ${institutionId} is not in the reference data`);
  if (to.id === originInstitutionId) {
    return reject("destination_is_origin", `a transfer cannot go from ${to.name} to itself`);
  }
  const why = cannotReceive(to, riskGrade);
  if (why) return reject("destination_cannot_receive", why);
  return to;
};

// 000 §十二(一)(三)(四)(五)(六); R-TRF-2, R-TRF-3, R-TRF-4, R-TRF-5.
export const requestTransfer = (
  command: Cmd<"RequestTransfer">,
  state: TransferState,
  context: DecisionContext,
): Decision<TransferEvent> => {
  const { data, transferId } = command;
  if (state.status !== "none") {
    return reject("transfer_exists", `transfer ${transferId} already exists (${STATUS_WORDS[state.status]})`);
  }
  const time = checkOccurredAt(data.occurredAt, undefined, context.now);
  if (time) return time;
  if (!context.reference.institution(data.originInstitutionId)) {
    return reject(
      "unknown_institution",
      `institution ${data.originInstitutionId} is not in the reference data`,
    );
  }
  const to = checkDestination(
    context,
    data.destinationInstitutionId,
    data.originInstitutionId,
    data.riskGrade,
  );
  if (isRejection(to)) return to;
  return [
    {
      type: "TransferRequested",
      data: {
        transferId,
        caseId: data.caseId,
        referralId: data.referralId,
        patientKind: data.patientKind,
        patient: data.patient,
        riskGrade: data.riskGrade,
        originInstitutionId: data.originInstitutionId,
        destinationInstitutionId: to.id,
        requiredAmbulanceType: requiredAmbulanceTypes(data.patientKind, data.riskGrade, context.reference),
        // 000 §十二(五) asks an escort for 极危重 women: the transferring doctor's judgement (veryCritical), and
        // always for red, the grade of women whose condition is itself a danger to life.
        escortRequired: data.veryCritical || data.riskGrade === "red",
        clinicalSummary: data.clinicalSummary,
        requestedBy: data.requestedBy,
        occurredAt: data.occurredAt,
      },
    },
  ];
};

// 000 §十(四), §十二(三)(四)(六); R-TRF-2, R-TRF-3, R-TRF-5, R-TRF-9. Only before any unit has been sent.
export const dispatchUnit = (
  command: Cmd<"DispatchUnit">,
  state: TransferState,
  context: DecisionContext,
): Decision<TransferEvent> => {
  const { data, transferId } = command;
  if (!inStatus(state, ["requested"])) return wrongStatus(transferId, state, "dispatching a unit");
  const time = checkOccurredAt(data.occurredAt, state.lastOccurredAt, context.now);
  if (time) return time;
  const ambulance = context.reference.ambulance(data.ambulanceId);
  if (!ambulance)
    return reject("unknown_ambulance", `ambulance ${data.ambulanceId} is not in the reference data`);
  const fits = state.requiredAmbulanceType.includes(ambulance.type);
  if (!fits && data.overrideReason === undefined) {
    return reject(
      "ambulance_type_mismatch",
      `ambulance ${ambulance.callSign} is ${ambulance.type}; this ${state.patientKind} ${state.riskGrade} transfer needs ${state.requiredAmbulanceType.join(" or ")} (000 §十二(三)(四)(六)); give an override reason to send it anyway`,
      state.riskGrade === "purple" ? "R-TRF-5" : state.patientKind === "neonatal" ? "R-TRF-3" : "R-TRF-2",
    );
  }
  return [
    {
      type: "UnitDispatched",
      data: {
        transferId,
        ambulanceId: ambulance.id,
        ambulanceType: ambulance.type,
        dispatchedBy: data.dispatchedBy,
        // The reason is kept only when the rule was overridden: it is what an auditor looks for.
        overrideReason: fits ? undefined : data.overrideReason,
        occurredAt: data.occurredAt,
      },
    },
  ];
};

export const recordUnitArrivedAtOrigin = (
  command: Cmd<"RecordUnitArrivedAtOrigin">,
  state: TransferState,
  context: DecisionContext,
): Decision<TransferEvent> => {
  const { data, transferId } = command;
  if (!inStatus(state, ["dispatched"]))
    return wrongStatus(transferId, state, "recording the unit's arrival at the origin");
  const time = checkOccurredAt(data.occurredAt, state.lastOccurredAt, context.now);
  if (time) return time;
  return [{ type: "UnitArrivedAtOrigin", data: { transferId, occurredAt: data.occurredAt } }];
};

// 000 §十二(五)(十): departure time and condition at departure; very critical women travel with an escort who
// carries the clinical record. R-TRF-4, R-TRF-8.
// Departure is accepted straight after dispatch as well: a crew that forgot to press "arrived at origin" must
// still be able to record the departure, which the record requires; the arrival at origin is not.
export const recordDeparture = (
  command: Cmd<"RecordDeparture">,
  state: TransferState,
  context: DecisionContext,
): Decision<TransferEvent> => {
  const { data, transferId } = command;
  if (!inStatus(state, ["dispatched", "at_origin"]))
    return wrongStatus(transferId, state, "recording a departure");
  const time = checkOccurredAt(data.occurredAt, state.lastOccurredAt, context.now);
  if (time) return time;
  if (state.escortRequired && (data.escorts.length === 0 || !data.clinicalRecordHandedOver)) {
    return reject(
      "escort_required",
      "a very critical woman travels with an escort from the transferring institution who carries her clinical record (000 §十二(五)): name the escorts and hand over the record",
      "R-TRF-4",
    );
  }
  const eta = checkEta(data.expectedArrivalAt, data.occurredAt);
  if (eta) return eta;
  return [
    {
      type: "TransferDeparted",
      data: {
        transferId,
        condition: data.condition,
        escorts: data.escorts,
        clinicalRecordHandedOver: data.clinicalRecordHandedOver,
        occurredAt: data.occurredAt,
      },
    },
    // R-TRF-7, 000 §十二(八): the receiving institution is told as she leaves, not when she arrives.
    {
      type: "PreArrivalAlertRaised",
      data: {
        transferId,
        caseId: state.caseId,
        destinationInstitutionId: state.destinationInstitutionId,
        riskGrade: state.riskGrade,
        expectedArrivalAt: data.expectedArrivalAt,
        readiness: data.readiness ?? { asks: [] },
        cause: "departure",
        occurredAt: data.occurredAt,
      },
    },
  ];
};

// 000 §十二(十): en-route treatment is part of the record. R-TRF-8.
export const recordEnRouteCare = (
  command: Cmd<"RecordEnRouteCare">,
  state: TransferState,
  context: DecisionContext,
): Decision<TransferEvent> => {
  const { data, transferId } = command;
  if (!inStatus(state, ["en_route"])) return wrongStatus(transferId, state, "recording en-route care");
  const time = checkOccurredAt(data.occurredAt, state.lastOccurredAt, context.now);
  if (time) return time;
  return [{ type: "EnRouteCareRecorded", data: { transferId, ...data } }];
};

// 000 §十二(七): the escort gets remote (video) guidance en route. R-TRF-6.
export const recordRemoteGuidance = (
  command: Cmd<"RecordRemoteGuidance">,
  state: TransferState,
  context: DecisionContext,
): Decision<TransferEvent> => {
  const { data, transferId } = command;
  if (!inStatus(state, ["en_route"])) return wrongStatus(transferId, state, "recording remote guidance");
  const time = checkOccurredAt(data.occurredAt, state.lastOccurredAt, context.now);
  if (time) return time;
  return [{ type: "RemoteGuidanceGiven", data: { transferId, ...data } }];
};

// 000 §十二(十): reception (转入接诊) at the current destination. R-TRF-8.
export const recordArrival = (
  command: Cmd<"RecordArrival">,
  state: TransferState,
  context: DecisionContext,
): Decision<TransferEvent> => {
  const { data, transferId } = command;
  if (!inStatus(state, ["en_route"])) return wrongStatus(transferId, state, "recording the arrival");
  const time = checkOccurredAt(data.occurredAt, state.lastOccurredAt, context.now);
  if (time) return time;
  return [
    {
      type: "TransferArrived",
      data: { transferId, institutionId: state.destinationInstitutionId, occurredAt: data.occurredAt },
    },
  ];
};

// 000 §十二(十): condition handover (病情移交) with both persons named. R-TRF-8.
export const completeHandover = (
  command: Cmd<"CompleteHandover">,
  state: TransferState,
  context: DecisionContext,
): Decision<TransferEvent> => {
  const { data, transferId } = command;
  if (!inStatus(state, ["arrived"])) return wrongStatus(transferId, state, "completing the handover");
  const time = checkOccurredAt(data.occurredAt, state.lastOccurredAt, context.now);
  if (time) return time;
  return [{ type: "HandoverCompleted", data: { transferId, ...data } }];
};

// 000 §十二(一)(八): origin, dispatch and destination stay connected; a diversion before arrival names a reason
// and a capable destination. R-TRF-7.
export const divertTransfer = (
  command: Cmd<"DivertTransfer">,
  state: TransferState,
  context: DecisionContext,
): Decision<TransferEvent> => {
  const { data, transferId } = command;
  if (!inStatus(state, ["requested", "dispatched", "at_origin", "en_route"])) {
    return wrongStatus(transferId, state, "diverting");
  }
  const time = checkOccurredAt(data.occurredAt, state.lastOccurredAt, context.now);
  if (time) return time;
  if (data.toInstitutionId === state.destinationInstitutionId) {
    return reject(
      "divert_to_same_institution",
      `transfer ${transferId} is already bound for ${data.toInstitutionId}`,
    );
  }
  const to = checkDestination(context, data.toInstitutionId, state.originInstitutionId, state.riskGrade);
  if (isRejection(to)) return to;
  const diverted: TransferEvent = {
    type: "TransferDiverted",
    data: {
      transferId,
      fromInstitutionId: state.destinationInstitutionId,
      toInstitutionId: to.id,
      reason: data.reason,
      divertedBy: data.divertedBy,
      occurredAt: data.occurredAt,
    },
  };
  if (!state.preArrival) return [diverted];
  // R-TRF-7: a diversion en route re-targets the alert; the old ETA was for the old destination.
  return [
    diverted,
    {
      type: "PreArrivalAlertRaised",
      data: {
        transferId,
        caseId: state.caseId,
        destinationInstitutionId: to.id,
        riskGrade: state.riskGrade,
        readiness: state.preArrival.readiness,
        cause: "diversion",
        occurredAt: data.occurredAt,
      },
    },
  ];
};

/** An ETA lies after the step that gives it, and within a day of it. */
const checkEta = (expectedArrivalAt: string | undefined, occurredAt: string): Rejection | undefined => {
  if (expectedArrivalAt === undefined) return undefined;
  const lead = Date.parse(expectedArrivalAt) - Date.parse(occurredAt);
  if (lead < 0)
    return reject(
      "eta_before_step",
      `the expected arrival ${expectedArrivalAt} is before the time it is given (${occurredAt})`,
    );
  if (lead > MAX_ETA_HOURS * 3_600_000)
    return reject(
      "eta_too_far",
      `the expected arrival ${expectedArrivalAt} is more than ${MAX_ETA_HOURS} hours after ${occurredAt}`,
    );
  return undefined;
};

/** The alert of a departed transfer, or why there is none to act on. */
const openAlert = (
  transferId: string,
  state: TransferState,
  action: string,
): { state: In<"en_route">; alert: PreArrivalAlertState } | Rejection => {
  if (!inStatus(state, ["en_route"])) return wrongStatus(transferId, state, action);
  if (!state.preArrival)
    return reject(
      "no_pre_arrival_alert",
      `transfer ${transferId} departed before pre-arrival alerts were recorded; ${action} is not possible`,
      "R-TRF-7",
    );
  return { state, alert: state.preArrival };
};

// R-TRF-7, 000 §十二(八): the crew or the dispatcher keeps the receiving institution's ETA current.
export const updateArrivalEta = (
  command: Cmd<"UpdateArrivalEta">,
  state: TransferState,
  context: DecisionContext,
): Decision<TransferEvent> => {
  const { data, transferId } = command;
  const open = openAlert(transferId, state, "updating the expected arrival");
  if (isRejection(open)) return open;
  const time = checkOccurredAt(data.occurredAt, open.state.departedAt, context.now);
  if (time) return time;
  const eta = checkEta(data.expectedArrivalAt, data.occurredAt);
  if (eta) return eta;
  return [
    {
      type: "PreArrivalEtaUpdated",
      data: {
        transferId,
        caseId: open.state.caseId,
        destinationInstitutionId: open.alert.destinationInstitutionId,
        expectedArrivalAt: data.expectedArrivalAt,
        updatedBy: data.updatedBy,
        occurredAt: data.occurredAt,
      },
    },
  ];
};

// R-TRF-7, 000 §十二(八): the receiving institution confirms it has the alert, by name and time; once per
// destination (a diversion raises a new alert that the new destination acknowledges).
export const acknowledgePreArrivalAlert = (
  command: Cmd<"AcknowledgePreArrivalAlert">,
  state: TransferState,
  context: DecisionContext,
): Decision<TransferEvent> => {
  const { data, transferId } = command;
  const open = openAlert(transferId, state, "acknowledging the pre-arrival alert");
  if (isRejection(open)) return open;
  if (open.alert.acknowledged)
    return reject(
      "alert_already_acknowledged",
      `the pre-arrival alert of transfer ${transferId} is already acknowledged by ${open.alert.destinationInstitutionId}`,
      "R-TRF-7",
    );
  const time = checkOccurredAt(data.occurredAt, open.state.departedAt, context.now);
  if (time) return time;
  return [
    {
      type: "PreArrivalAlertAcknowledged",
      data: {
        transferId,
        caseId: open.state.caseId,
        institutionId: open.alert.destinationInstitutionId,
        acknowledgedBy: data.acknowledgedBy,
        occurredAt: data.occurredAt,
      },
    },
  ];
};

export const cancelTransfer = (
  command: Cmd<"CancelTransfer">,
  state: TransferState,
  context: DecisionContext,
): Decision<TransferEvent> => {
  const { data, transferId } = command;
  if (state.status === "en_route") {
    return reject(
      "transfer_departed",
      `transfer ${transferId} has departed: she is in the ambulance and cannot be cancelled; divert it to another institution instead`,
    );
  }
  if (!inStatus(state, ["requested", "dispatched", "at_origin"]))
    return wrongStatus(transferId, state, "cancelling");
  const time = checkOccurredAt(data.occurredAt, state.lastOccurredAt, context.now);
  if (time) return time;
  return [
    {
      type: "TransferCancelled",
      data: { transferId, cancelledBy: data.cancelledBy, reason: data.reason, occurredAt: data.occurredAt },
    },
  ];
};

export const decide = (
  command: TransferCommand,
  state: TransferState,
  context: DecisionContext,
): Decision<TransferEvent> => {
  switch (command.type) {
    case "RequestTransfer":
      return requestTransfer(command, state, context);
    case "DispatchUnit":
      return dispatchUnit(command, state, context);
    case "RecordUnitArrivedAtOrigin":
      return recordUnitArrivedAtOrigin(command, state, context);
    case "RecordDeparture":
      return recordDeparture(command, state, context);
    case "RecordEnRouteCare":
      return recordEnRouteCare(command, state, context);
    case "RecordRemoteGuidance":
      return recordRemoteGuidance(command, state, context);
    case "RecordArrival":
      return recordArrival(command, state, context);
    case "CompleteHandover":
      return completeHandover(command, state, context);
    case "DivertTransfer":
      return divertTransfer(command, state, context);
    case "CancelTransfer":
      return cancelTransfer(command, state, context);
    case "UpdateArrivalEta":
      return updateArrivalEta(command, state, context);
    case "AcknowledgePreArrivalAlert":
      return acknowledgePreArrivalAlert(command, state, context);
    default: {
      const unexpected: never = command;
      throw new Error(`unknown transfer command ${(unexpected as { type: string }).type}`);
    }
  }
};

export const transferDecider: Decider<TransferCommand, TransferEvent, TransferState, DecisionContext> = {
  initialState,
  evolve,
  decide,
};
