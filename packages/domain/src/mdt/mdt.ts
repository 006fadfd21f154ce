import { riskSeverity } from "../shared/risk.js";
import type { ClinicalRank, StandbyService } from "./commands.js";
import type { MdtEvent } from "./events.js";

type Judgement = Extract<MdtEvent, { type: "ActivationRequested" }>["data"]["judgement"];
type Called = Extract<MdtEvent, { type: "MemberCalled" }>["data"];

export interface MdtCall {
  callId: string;
  role: Called["role"];
  department: Called["department"];
  person: string;
  rank: ClinicalRank | undefined;
  countsTowardRule: boolean;
  calledAt: string;
  arrivedAt: string | undefined;
}

export interface MdtConsult {
  consultId: string;
  target: "higher_rescue_centre" | "health_administration";
  requestedAt: string;
  answeredAt: string | undefined;
  arrivals: { expert: string; arrivedAt: string }[];
}

export interface MdtFacts {
  mdtId: string;
  caseId: string;
  transferId: string | undefined;
  hospitalId: string;
  judgement: Judgement | undefined;
  calls: MdtCall[];
  leaderCallId: string | undefined;
  standby: { service: StandbyService; requestedAt: string; acknowledgedAt: string | undefined }[];
  consults: MdtConsult[];
  /** occurredAt of the latest step: the next one may not be earlier. */
  lastOccurredAt: string;
}

/** green_channel → requested → activated → fully_staffed → stood_down; requested → consultation (R-MDT-6). */
export type MdtState =
  | { status: "none" }
  | ({
      status: "green_channel" | "requested" | "activated" | "fully_staffed" | "consultation" | "stood_down";
    } & MdtFacts);

export type MdtStatus = MdtState["status"];

export const initialState = (): MdtState => ({ status: "none" });

/** R-MDT-3, 000 §十六(四): 橙色及以上、有生命危险 → full activation; otherwise R-MDT-6 consultations. */
export const qualifiesForFullActivation = (judgement: Judgement): boolean =>
  riskSeverity[judgement.riskGrade] >= riskSeverity.orange && judgement.lifeThreatening;

/** R-MDT-4, 000 §十六(四): 遇羊水栓塞等严重紧急情况, the hospital's head or deputy in charge must be on scene. */
export const requiresHospitalHead = (judgement: Judgement | undefined): boolean =>
  judgement !== undefined && (judgement.condition === "amniotic_fluid_embolism" || judgement.severeEmergency);

/** R-MDT-3: 副主任职称及以上. */
export const isAssociateChiefOrAbove = (rank: ClinicalRank): boolean =>
  rank === "associate_chief" || rank === "chief";

const facts = (
  data: {
    mdtId: string;
    caseId: string;
    transferId?: string | undefined;
    hospitalId: string;
    occurredAt: string;
  },
  judgement: Judgement | undefined,
): MdtFacts => ({
  mdtId: data.mdtId,
  caseId: data.caseId,
  transferId: data.transferId,
  hospitalId: data.hospitalId,
  judgement,
  calls: [],
  leaderCallId: undefined,
  standby: [],
  consults: [],
  lastOccurredAt: data.occurredAt,
});

/** Folds one event into the state. Events are facts: evolve never refuses one. */
export const evolve = (state: MdtState, event: MdtEvent): MdtState => {
  const { type, data } = event;
  if (type === "GreenChannelOpened") return { status: "green_channel", ...facts(data, undefined) };
  if (type === "MdtPreActivated") return { status: "activated", ...facts(data, data.judgement) };
  if (state.status === "none") return state; // an event without a start: nothing to fold it into
  const at = data.occurredAt;
  const next = { ...state, lastOccurredAt: at };
  switch (type) {
    case "ActivationRequested":
      return { ...next, status: "requested", judgement: data.judgement };
    case "MdtActivated":
      return { ...next, status: "activated" };
    case "DepartmentConsultationArranged":
      return { ...next, status: "consultation" };
    case "MemberCalled":
      return {
        ...next,
        calls: [
          ...state.calls,
          {
            callId: data.callId,
            role: data.role,
            department: data.department,
            person: data.person,
            rank: data.rank,
            countsTowardRule: data.countsTowardRule,
            calledAt: at,
            arrivedAt: undefined,
          },
        ],
      };
    case "MemberArrived":
      return {
        ...next,
        calls: state.calls.map((c) => (c.callId === data.callId ? { ...c, arrivedAt: at } : c)),
      };
    case "LeaderAppointed":
      return { ...next, leaderCallId: data.callId };
    case "ServicesPutOnStandby":
      return {
        ...next,
        standby: [
          ...state.standby,
          ...data.services.map((service) => ({ service, requestedAt: at, acknowledgedAt: undefined })),
        ],
      };
    case "StandbyAcknowledged":
      return {
        ...next,
        standby: state.standby.map((s) => (s.service === data.service ? { ...s, acknowledgedAt: at } : s)),
      };
    case "MdtFullyStaffed":
      return { ...next, status: "fully_staffed" };
    case "UpperConsultationRequested":
      return {
        ...next,
        consults: [
          ...state.consults,
          {
            consultId: data.consultId,
            target: data.target,
            requestedAt: at,
            answeredAt: undefined,
            arrivals: [],
          },
        ],
      };
    case "UpperConsultationAnswered":
      return {
        ...next,
        consults: state.consults.map((c) => (c.consultId === data.consultId ? { ...c, answeredAt: at } : c)),
      };
    case "UpperConsultantArrived":
      return {
        ...next,
        consults: state.consults.map((c) =>
          c.consultId === data.consultId
            ? { ...c, arrivals: [...c.arrivals, { expert: data.expert, arrivedAt: at }] }
            : c,
        ),
      };
    case "MdtStoodDown":
      return { ...next, status: "stood_down" };
    default: {
      const unexpected: never = type;
      return unexpected;
    }
  }
};
