import { requiresHospitalHead } from "@mtc/domain";
import type { ProjectedEvent } from "../shared/projectedEvent.js";
import type { MdtRecord } from "./state.js";

const opened = (
  data: {
    mdtId: string;
    caseId: string;
    transferId?: string | undefined;
    hospitalId: string;
    occurredAt: string;
  },
  position: number,
): MdtRecord => ({
  mdtId: data.mdtId,
  caseId: data.caseId,
  transferId: data.transferId ?? null,
  hospitalId: data.hospitalId,
  status: "green_channel",
  preActivated: false,
  department: null,
  judgement: null,
  headRequired: false,
  greenChannelAt: null,
  requestedAt: null,
  activatedAt: null,
  fullyStaffedAt: null,
  consultationArrangedAt: null,
  consultationDepartments: [],
  stoodDownAt: null,
  outcome: null,
  calls: [],
  leader: null,
  standby: [],
  consultations: [],
  openedAt: data.occurredAt,
  lastPosition: position,
});

/**
 * MDT activation record (000 §十六): who was called, who came when, standby acknowledgements, consultations.
 * Pure: the record given is never changed. Events of other records, or before the MDT's start, change nothing.
 */
export const evolveMdtRecord = (
  record: MdtRecord | null,
  { event, recorded }: ProjectedEvent,
): MdtRecord | null => {
  const position = recorded.position;
  if (event.type === "GreenChannelOpened") {
    return {
      ...opened(event.data, position),
      department: event.data.department,
      greenChannelAt: event.data.occurredAt,
    };
  }
  if (event.type === "MdtPreActivated") {
    const { judgement, occurredAt } = event.data;
    return {
      ...opened(event.data, position),
      status: "activated",
      preActivated: true,
      judgement: { ...judgement },
      headRequired: requiresHospitalHead(judgement),
      requestedAt: occurredAt,
      activatedAt: occurredAt,
    };
  }
  if (!record) return null;
  const next: MdtRecord = { ...record, lastPosition: position };
  switch (event.type) {
    case "ActivationRequested": {
      const { judgement } = event.data;
      return {
        ...next,
        status: "requested",
        judgement: { ...judgement },
        headRequired: requiresHospitalHead(judgement),
        requestedAt: event.data.occurredAt,
      };
    }
    case "MdtActivated":
      return { ...next, status: "activated", activatedAt: event.data.occurredAt };
    case "DepartmentConsultationArranged":
      return {
        ...next,
        status: "consultation",
        consultationArrangedAt: event.data.occurredAt,
        consultationDepartments: event.data.departments,
      };
    case "MemberCalled": {
      const d = event.data;
      return {
        ...next,
        calls: [
          ...record.calls,
          {
            callId: d.callId,
            role: d.role,
            department: d.department ?? null,
            position: d.position ?? null,
            person: d.person,
            rank: d.rank ?? null,
            countsTowardRule: d.countsTowardRule,
            overrideReason: d.overrideReason ?? null,
            calledAt: d.occurredAt,
            arrivedAt: null,
          },
        ],
      };
    }
    case "MemberArrived":
      return {
        ...next,
        calls: record.calls.map((c) =>
          c.callId === event.data.callId ? { ...c, arrivedAt: event.data.occurredAt } : c,
        ),
      };
    case "LeaderAppointed":
      return {
        ...next,
        leader: { callId: event.data.callId, person: event.data.person, appointedAt: event.data.occurredAt },
      };
    case "ServicesPutOnStandby":
      return {
        ...next,
        standby: [
          ...record.standby,
          ...event.data.services.map((service) => ({
            service,
            requestedAt: event.data.occurredAt,
            acknowledgedAt: null,
            acknowledgedBy: null,
          })),
        ],
      };
    case "StandbyAcknowledged":
      return {
        ...next,
        standby: record.standby.map((s) =>
          s.service === event.data.service
            ? { ...s, acknowledgedAt: event.data.occurredAt, acknowledgedBy: event.data.acknowledgedBy }
            : s,
        ),
      };
    case "MdtFullyStaffed":
      return { ...next, status: "fully_staffed", fullyStaffedAt: event.data.occurredAt };
    case "UpperConsultationRequested":
      return {
        ...next,
        consultations: [
          ...record.consultations,
          {
            consultId: event.data.consultId,
            target: event.data.target,
            institutionId: event.data.institutionId ?? null,
            requestedAt: event.data.occurredAt,
            answeredAt: null,
            answer: null,
            experts: [],
            arrivals: [],
          },
        ],
      };
    case "UpperConsultationAnswered":
      return {
        ...next,
        consultations: record.consultations.map((c) =>
          c.consultId === event.data.consultId
            ? {
                ...c,
                answeredAt: event.data.occurredAt,
                answer: event.data.answer,
                experts: event.data.experts,
              }
            : c,
        ),
      };
    case "UpperConsultantArrived":
      return {
        ...next,
        consultations: record.consultations.map((c) =>
          c.consultId === event.data.consultId
            ? {
                ...c,
                arrivals: [...c.arrivals, { expert: event.data.expert, arrivedAt: event.data.occurredAt }],
              }
            : c,
        ),
      };
    case "MdtStoodDown":
      return {
        ...next,
        status: "stood_down",
        stoodDownAt: event.data.occurredAt,
        outcome: event.data.outcome,
      };
    default:
      return record;
  }
};
