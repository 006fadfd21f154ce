import type { PatientKind, RiskGrade, Urgency } from "../shared/risk.js";
import type { ReferralEvent } from "./events.js";

/** What every referral past `none` knows: what the rules need, not a copy of the events. */
export interface ReferralFacts {
  referralId: string;
  caseId: string;
  patientKind: PatientKind;
  riskGrade: RiskGrade;
  /** Absent for an off-protocol arrival: nobody requested it. */
  urgency: Urgency | undefined;
  /** 转出机构; absent when an off-protocol woman came on her own. */
  fromInstitutionId: string | undefined;
  /** 转入机构: the current destination. */
  toInstitutionId: string;
  /** Every destination in order, the first one included (redirections append). */
  destinations: string[];
  /** Institutions that declined, in order. */
  declinedBy: string[];
  /** How many times the difficulty was reported to the health administration (000 §十(六)). */
  escalations: number;
  /** occurredAt of the latest step: the next one may not be earlier. */
  lastOccurredAt: string;
}

/**
 * A referral's life. `declined` is closed (a green/yellow decline with nowhere to go); `escalated` is a
 * declined referral the health administration now coordinates (000 §十(六)): open for redirect, escalate, cancel.
 */
export type ReferralState =
  | { status: "none" }
  | ({ status: "requested" } & ReferralFacts)
  | ({ status: "accepted"; acceptedAt: string; expectedArrivalAt: string | undefined } & ReferralFacts)
  | ({ status: "declined" } & ReferralFacts)
  | ({ status: "escalated" } & ReferralFacts)
  | ({
      status: "received";
      receivedAt: string;
      offProtocol: boolean;
      receivedAtInstitutionId: string;
    } & ReferralFacts)
  | ({ status: "cancelled" } & ReferralFacts)
  | ({ status: "completed"; outcome: string; offProtocol: boolean } & ReferralFacts);

export type ReferralStatus = ReferralState["status"];

export const initialState = (): ReferralState => ({ status: "none" });

const facts = (state: ReferralState): ReferralFacts | undefined => {
  if (state.status === "none") return undefined;
  const {
    referralId,
    caseId,
    patientKind,
    riskGrade,
    urgency,
    fromInstitutionId,
    toInstitutionId,
    destinations,
    declinedBy,
    escalations,
    lastOccurredAt,
  } = state;
  return {
    referralId,
    caseId,
    patientKind,
    riskGrade,
    urgency,
    fromInstitutionId,
    toInstitutionId,
    destinations,
    declinedBy,
    escalations,
    lastOccurredAt,
  };
};

/** Folds one event into the state. Events are facts: evolve never refuses one, it only records it. */
export const evolve = (state: ReferralState, event: ReferralEvent): ReferralState => {
  const { type, data } = event;
  switch (type) {
    case "ReferralRequested":
      return {
        status: "requested",
        referralId: data.referralId,
        caseId: data.caseId,
        patientKind: data.patientKind,
        riskGrade: data.riskGrade,
        urgency: data.urgency,
        fromInstitutionId: data.fromInstitutionId,
        toInstitutionId: data.toInstitutionId,
        destinations: [data.toInstitutionId],
        declinedBy: [],
        escalations: 0,
        lastOccurredAt: data.occurredAt,
      };
    case "OffProtocolArrivalRegistered":
      return {
        status: "received",
        referralId: data.referralId,
        caseId: data.caseId,
        patientKind: data.patientKind,
        riskGrade: data.riskGrade,
        urgency: undefined,
        fromInstitutionId: data.fromInstitutionId,
        toInstitutionId: data.institutionId,
        destinations: [data.institutionId],
        declinedBy: [],
        escalations: 0,
        lastOccurredAt: data.occurredAt,
        receivedAt: data.occurredAt,
        offProtocol: true,
        receivedAtInstitutionId: data.institutionId,
      };
  }
  const f = facts(state);
  if (!f) return state; // an event without a start: nothing to fold it into
  const at = data.occurredAt;
  switch (type) {
    case "ReferralAccepted":
      return {
        ...f,
        status: "accepted",
        acceptedAt: at,
        expectedArrivalAt: data.expectedArrivalAt,
        lastOccurredAt: at,
      };
    case "ReferralDeclined":
      return {
        ...f,
        status: "declined",
        declinedBy: [...f.declinedBy, data.institutionId],
        lastOccurredAt: at,
      };
    case "ReferralRedirected":
      return {
        ...f,
        status: "requested",
        toInstitutionId: data.toInstitutionId,
        destinations: [...f.destinations, data.toInstitutionId],
        lastOccurredAt: at,
      };
    case "ReferralEscalated": {
      const escalations = f.escalations + 1;
      // A declined referral that is escalated stays open: the administration coordinates (000 §十(六)).
      if (state.status === "declined") return { ...f, status: "escalated", escalations, lastOccurredAt: at };
      if (state.status === "none") return state;
      return { ...state, escalations, lastOccurredAt: at };
    }
    case "PatientReceived":
      return {
        ...f,
        status: "received",
        receivedAt: at,
        offProtocol: data.offProtocol,
        receivedAtInstitutionId: data.institutionId,
        lastOccurredAt: at,
      };
    case "ReferralCancelled":
      return { ...f, status: "cancelled", lastOccurredAt: at };
    case "ReferralCompleted":
      return {
        ...f,
        status: "completed",
        outcome: data.outcome,
        offProtocol: state.status === "received" ? state.offProtocol : false,
        lastOccurredAt: at,
      };
    default: {
      const unexpected: never = type;
      return unexpected;
    }
  }
};
