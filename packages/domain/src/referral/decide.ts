import { cannotReceive } from "../reference/capability.js";
import type { Institution } from "../reference/reference.js";
import type { DecisionContext } from "../shared/context.js";
import { type Decider, type Decision, isRejection, type Rejection, reject } from "../shared/decider.js";
import { isHighRisk, riskGradeLabel } from "../shared/risk.js";
import { checkOccurredAt } from "../shared/steps.js";
import type { ReferralCommand } from "./commands.js";
import type { ReferralEvent } from "./events.js";
import { evolve, initialState, type ReferralState, type ReferralStatus } from "./referral.js";

type Cmd<T extends ReferralCommand["type"]> = Extract<ReferralCommand, { type: T }>;
type Open<S extends ReferralStatus> = Extract<ReferralState, { status: S }>;

const STATUS_WORDS: Record<ReferralStatus, string> = {
  none: "not started",
  requested: "requested",
  accepted: "accepted",
  declined: "declined",
  escalated: "declined and escalated",
  received: "received",
  cancelled: "cancelled",
  completed: "completed",
};

const wrongStatus = (referralId: string, state: ReferralState, action: string): Rejection =>
  state.status === "none"
    ? reject("referral_not_found", `referral ${referralId} does not exist; it cannot be ${action}`)
    : reject(
        `referral_${state.status}`,
        `referral ${referralId} is ${STATUS_WORDS[state.status]}; it cannot be ${action}`,
      );

const inStatus = <S extends ReferralStatus>(state: ReferralState, statuses: readonly S[]): state is Open<S> =>
  (statuses as readonly ReferralStatus[]).includes(state.status);

/** A destination must exist, differ from where she is, and admit a woman of her grade. */
const checkDestination = (
  context: DecisionContext,
  toInstitutionId: string,
  state: { riskGrade: Open<"requested">["riskGrade"]; fromInstitutionId: string | undefined },
  rule: string,
): Institution | Rejection => {
  const to = context.reference.institution(toInstitutionId);
  if (!to)
    return reject("unknown_institution", `institution ${toInstitutionId} is not in the reference data`);
  if (toInstitutionId === state.fromInstitutionId) {
    return reject(
      "destination_is_origin",
      `a referral cannot be addressed to its own origin ${to.name}`,
      rule,
    );
  }
  const why = cannotReceive(to, state.riskGrade);
  if (why) return reject("destination_cannot_receive", why, rule);
  return to;
};

// 000 §十(六)(七), §十一(一)(二), 001 (五), 002 二(五); R-REF-1, R-REF-2, R-RISK-4, R-RISK-5.
export const requestReferral = (
  command: Cmd<"RequestReferral">,
  state: ReferralState,
  context: DecisionContext,
): Decision<ReferralEvent> => {
  const { data } = command;
  if (state.status !== "none") {
    return reject(
      "referral_exists",
      `referral ${command.referralId} already exists (${STATUS_WORDS[state.status]})`,
    );
  }
  const time = checkOccurredAt(data.occurredAt, undefined, context.now);
  if (time) return time;
  const from = context.reference.institution(data.fromInstitutionId);
  if (!from) {
    return reject(
      "unknown_institution",
      `transferring institution ${data.fromInstitutionId} is not in the reference data`,
    );
  }
  let toInstitutionId = data.toInstitutionId;
  const destinationFromZone = toInstitutionId === undefined;
  if (toInstitutionId === undefined) {
    // 000 §十一(一), 001 (五): by default she goes to the rescue centre of her institution's zone (分片包干);
    // a newborn to the zone's neonatal centre where there is one. Red women thereby reach a tertiary centre (R-RISK-4).
    const zone = context.reference.zoneOf(from.id);
    if (!zone) {
      return reject(
        "no_responsibility_zone",
        `no responsibility zone covers ${from.name}; name the receiving institution (000 §十一)`,
        "R-REF-2",
      );
    }
    toInstitutionId =
      data.patientKind === "neonatal"
        ? (zone.neonatalRescueCentreId ?? zone.maternalRescueCentreId)
        : zone.maternalRescueCentreId;
  }
  const to = checkDestination(
    context,
    toInstitutionId,
    { riskGrade: data.riskGrade, fromInstitutionId: from.id },
    "R-REF-2",
  );
  if (isRejection(to)) return to;
  return [
    {
      type: "ReferralRequested",
      data: {
        referralId: command.referralId,
        caseId: data.caseId,
        patientKind: data.patientKind,
        patient: data.patient,
        gestationalWeeks: data.gestationalWeeks,
        riskGrade: data.riskGrade,
        urgency: data.urgency,
        reasons: data.reasons,
        clinicalSummary: data.clinicalSummary,
        fromInstitutionId: from.id,
        toInstitutionId: to.id,
        destinationFromZone,
        requestedBy: data.requestedBy,
        occurredAt: data.occurredAt,
      },
    },
  ];
};

export const acceptReferral = (
  command: Cmd<"AcceptReferral">,
  state: ReferralState,
  context: DecisionContext,
): Decision<ReferralEvent> => {
  const { data } = command;
  if (!inStatus(state, ["requested"])) return wrongStatus(command.referralId, state, "accepted");
  const time = checkOccurredAt(data.occurredAt, state.lastOccurredAt, context.now);
  if (time) return time;
  if (
    data.expectedArrivalAt !== undefined &&
    Date.parse(data.expectedArrivalAt) < Date.parse(data.occurredAt)
  ) {
    return reject(
      "expected_arrival_before_acceptance",
      "the expected arrival cannot be before the acceptance",
    );
  }
  return [
    {
      type: "ReferralAccepted",
      data: {
        referralId: command.referralId,
        institutionId: state.toInstitutionId,
        acceptedBy: data.acceptedBy,
        expectedArrivalAt: data.expectedArrivalAt,
        occurredAt: data.occurredAt,
      },
    },
  ];
};

// 000 §十(七) 不得无故推诿接收危重孕产妇, 002 二(五) 任何单位不得截留或拒接高危孕产妇; R-REF-3, R-REF-4.
export const declineReferral = (
  command: Cmd<"DeclineReferral">,
  state: ReferralState,
  context: DecisionContext,
): Decision<ReferralEvent> => {
  const { data, referralId } = command;
  if (!inStatus(state, ["requested"])) return wrongStatus(referralId, state, "declined");
  const time = checkOccurredAt(data.occurredAt, state.lastOccurredAt, context.now);
  if (time) return time;
  if (isHighRisk(state.riskGrade) && data.redirectTo === undefined && data.escalate === undefined) {
    return reject(
      "decline_needs_redirect_or_escalation",
      `a ${riskGradeLabel[state.riskGrade]} (${state.riskGrade}) woman may not be refused without cause: a decline must redirect her to a capable institution or escalate to the health administration (000 §十(七), 002 二(五))`,
      "R-REF-3",
    );
  }
  const events: ReferralEvent[] = [
    {
      type: "ReferralDeclined",
      data: {
        referralId,
        institutionId: state.toInstitutionId,
        declinedBy: data.declinedBy,
        reason: data.reason,
        occurredAt: data.occurredAt,
      },
    },
  ];
  if (data.redirectTo !== undefined) {
    if (data.redirectTo === state.toInstitutionId) {
      return reject(
        "redirect_to_same_institution",
        "a decline cannot redirect to the declining institution",
        "R-REF-3",
      );
    }
    const to = checkDestination(context, data.redirectTo, state, "R-REF-3");
    if (isRejection(to)) return to;
    events.push({
      type: "ReferralRedirected",
      data: {
        referralId,
        fromInstitutionId: state.toInstitutionId,
        toInstitutionId: to.id,
        reason: data.reason,
        redirectedBy: data.declinedBy,
        occurredAt: data.occurredAt,
      },
    });
  }
  if (data.escalate !== undefined) {
    events.push({
      type: "ReferralEscalated",
      data: {
        referralId,
        escalatedBy: data.declinedBy,
        difficulty: data.escalate.difficulty,
        occurredAt: data.occurredAt,
      },
    });
  }
  return events;
};

// 001 (五): the sender may choose a better-equipped specialist centre; the destination may pass her on. R-REF-2.
export const redirectReferral = (
  command: Cmd<"RedirectReferral">,
  state: ReferralState,
  context: DecisionContext,
): Decision<ReferralEvent> => {
  const { data, referralId } = command;
  if (!inStatus(state, ["requested", "accepted", "escalated"]))
    return wrongStatus(referralId, state, "redirected");
  const time = checkOccurredAt(data.occurredAt, state.lastOccurredAt, context.now);
  if (time) return time;
  if (data.toInstitutionId === state.toInstitutionId) {
    return reject(
      "redirect_to_same_institution",
      `referral ${referralId} is already addressed to ${data.toInstitutionId}`,
    );
  }
  const to = checkDestination(context, data.toInstitutionId, state, "R-REF-2");
  if (isRejection(to)) return to;
  return [
    {
      type: "ReferralRedirected",
      data: {
        referralId,
        fromInstitutionId: state.toInstitutionId,
        toInstitutionId: to.id,
        reason: data.reason,
        redirectedBy: data.redirectedBy,
        occurredAt: data.occurredAt,
      },
    },
  ];
};

// 000 §十(六), §十一(七): difficulties are reported at once to the health administration, as often as needed. R-REF-4.
export const escalateReferral = (
  command: Cmd<"EscalateReferral">,
  state: ReferralState,
  context: DecisionContext,
): Decision<ReferralEvent> => {
  const { data, referralId } = command;
  if (!inStatus(state, ["requested", "accepted", "declined", "escalated"])) {
    return wrongStatus(referralId, state, "escalated");
  }
  const time = checkOccurredAt(data.occurredAt, state.lastOccurredAt, context.now);
  if (time) return time;
  return [
    {
      type: "ReferralEscalated",
      data: {
        referralId,
        escalatedBy: data.escalatedBy,
        difficulty: data.difficulty,
        occurredAt: data.occurredAt,
      },
    },
  ];
};

// 000 §十八(二): reception records the handover person (交接人). 001 (五), R-REF-5: a woman who arrives before
// acceptance, after a decline or somewhere else is received all the same, recorded as off-protocol.
export const recordReception = (
  command: Cmd<"RecordReception">,
  state: ReferralState,
  context: DecisionContext,
): Decision<ReferralEvent> => {
  const { data, referralId } = command;
  if (!inStatus(state, ["requested", "accepted", "declined", "escalated"])) {
    return wrongStatus(referralId, state, "received");
  }
  const time = checkOccurredAt(data.occurredAt, state.lastOccurredAt, context.now);
  if (time) return time;
  const institutionId = data.institutionId ?? state.toInstitutionId;
  if (!context.reference.institution(institutionId)) {
    return reject("unknown_institution", `institution ${institutionId} is not in the reference data`);
  }
  const offProtocol = state.status !== "accepted" || institutionId !== state.toInstitutionId;
  return [
    {
      type: "PatientReceived",
      data: {
        referralId,
        institutionId,
        receivedBy: data.receivedBy,
        handedOverBy: data.handedOverBy,
        offProtocol,
        occurredAt: data.occurredAt,
      },
    },
  ];
};

// 001 (五), R-REF-5, 000 §十八(二) (including women from outside the area): she came without a referral; the
// record starts at reception.
export const registerOffProtocolArrival = (
  command: Cmd<"RegisterOffProtocolArrival">,
  state: ReferralState,
  context: DecisionContext,
): Decision<ReferralEvent> => {
  const { data, referralId } = command;
  if (state.status !== "none") {
    return reject("referral_exists", `referral ${referralId} already exists (${STATUS_WORDS[state.status]})`);
  }
  const time = checkOccurredAt(data.occurredAt, undefined, context.now);
  if (time) return time;
  if (!context.reference.institution(data.institutionId)) {
    return reject("unknown_institution", `institution ${data.institutionId} is not in the reference data`);
  }
  if (data.fromInstitutionId !== undefined && !context.reference.institution(data.fromInstitutionId)) {
    return reject(
      "unknown_institution",
      `institution ${data.fromInstitutionId} is not in the reference data`,
    );
  }
  return [{ type: "OffProtocolArrivalRegistered", data: { referralId, ...data } }];
};

export const cancelReferral = (
  command: Cmd<"CancelReferral">,
  state: ReferralState,
  context: DecisionContext,
): Decision<ReferralEvent> => {
  const { data, referralId } = command;
  if (!inStatus(state, ["requested", "accepted", "declined", "escalated"])) {
    return wrongStatus(referralId, state, "cancelled");
  }
  const time = checkOccurredAt(data.occurredAt, state.lastOccurredAt, context.now);
  if (time) return time;
  return [
    {
      type: "ReferralCancelled",
      data: { referralId, cancelledBy: data.cancelledBy, reason: data.reason, occurredAt: data.occurredAt },
    },
  ];
};

export const completeReferral = (
  command: Cmd<"CompleteReferral">,
  state: ReferralState,
  context: DecisionContext,
): Decision<ReferralEvent> => {
  const { data, referralId } = command;
  if (!inStatus(state, ["received"]))
    return wrongStatus(referralId, state, "completed before she is received");
  const time = checkOccurredAt(data.occurredAt, state.lastOccurredAt, context.now);
  if (time) return time;
  return [
    {
      type: "ReferralCompleted",
      data: { referralId, outcome: data.outcome, notes: data.notes, occurredAt: data.occurredAt },
    },
  ];
};

export const decide = (
  command: ReferralCommand,
  state: ReferralState,
  context: DecisionContext,
): Decision<ReferralEvent> => {
  switch (command.type) {
    case "RequestReferral":
      return requestReferral(command, state, context);
    case "AcceptReferral":
      return acceptReferral(command, state, context);
    case "DeclineReferral":
      return declineReferral(command, state, context);
    case "RedirectReferral":
      return redirectReferral(command, state, context);
    case "EscalateReferral":
      return escalateReferral(command, state, context);
    case "RecordReception":
      return recordReception(command, state, context);
    case "RegisterOffProtocolArrival":
      return registerOffProtocolArrival(command, state, context);
    case "CancelReferral":
      return cancelReferral(command, state, context);
    case "CompleteReferral":
      return completeReferral(command, state, context);
    default: {
      const unexpected: never = command;
      throw new Error(`unknown referral command ${(unexpected as { type: string }).type}`);
    }
  }
};

export const referralDecider: Decider<ReferralCommand, ReferralEvent, ReferralState, DecisionContext> = {
  initialState,
  evolve,
  decide,
};
