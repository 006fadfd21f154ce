import type { PatientIdentity, PatientKind, RiskGrade } from "@mtc/domain";
import type { ProjectedEvent } from "../shared/projectedEvent.js";
import type { Projection } from "../shared/projection.js";

/** One case (a woman or newborn followed across referrals and transfers), for finding it again. */
export interface CaseSummary {
  caseId: string;
  patient: PatientIdentity;
  patientKind: PatientKind;
  /** The latest grade given in any of its referrals or transfers. */
  riskGrade: RiskGrade;
  /** Every institution that sent, received or was redirected to. */
  institutionIds: string[];
  openedAt: string;
  lastEventAt: string;
  referralIds: string[];
  transferIds: string[];
}

export interface CasesState {
  cases: Record<string, CaseSummary>;
}

const addOnce = (list: string[], value: string | undefined): void => {
  if (value !== undefined && !list.includes(value)) list.push(value);
};

/** Case registry. Updated in place like the timeline (it grows with the log); summaries are replaced, not mutated. */
export const evolveCases = (state: CasesState, { event, recorded }: ProjectedEvent): CasesState => {
  const caseId = recorded.metadata.caseId;
  const known = state.cases[caseId];
  const summary: CaseSummary = known
    ? {
        ...known,
        institutionIds: [...known.institutionIds],
        referralIds: [...known.referralIds],
        transferIds: [...known.transferIds],
      }
    : {
        caseId,
        patient: { name: "" },
        patientKind: "maternal",
        riskGrade: "green",
        institutionIds: [],
        openedAt: event.data.occurredAt,
        lastEventAt: recorded.recordedAt,
        referralIds: [],
        transferIds: [],
      };
  summary.lastEventAt = recorded.recordedAt;
  switch (event.type) {
    case "ReferralRequested":
      Object.assign(summary, {
        patient: event.data.patient,
        patientKind: event.data.patientKind,
        riskGrade: event.data.riskGrade,
      });
      addOnce(summary.referralIds, event.data.referralId);
      addOnce(summary.institutionIds, event.data.fromInstitutionId);
      addOnce(summary.institutionIds, event.data.toInstitutionId);
      break;
    case "OffProtocolArrivalRegistered":
      Object.assign(summary, {
        patient: event.data.patient,
        patientKind: event.data.patientKind,
        riskGrade: event.data.riskGrade,
      });
      addOnce(summary.referralIds, event.data.referralId);
      addOnce(summary.institutionIds, event.data.fromInstitutionId);
      addOnce(summary.institutionIds, event.data.institutionId);
      break;
    case "TransferRequested":
      Object.assign(summary, { patientKind: event.data.patientKind, riskGrade: event.data.riskGrade });
      if (!summary.patient.name) summary.patient = event.data.patient;
      addOnce(summary.transferIds, event.data.transferId);
      addOnce(summary.institutionIds, event.data.originInstitutionId);
      addOnce(summary.institutionIds, event.data.destinationInstitutionId);
      break;
    case "ReferralRedirected":
    case "TransferDiverted":
      addOnce(summary.institutionIds, event.data.toInstitutionId);
      break;
    default:
      break;
  }
  state.cases[caseId] = summary;
  return state;
};

export interface CaseQuery {
  caseId?: string | undefined;
  /** Part of the patient's name. */
  name?: string | undefined;
  institutionId?: string | undefined;
  /** Opened at or after / before (ISO instants). */
  from?: Date | undefined;
  to?: Date | undefined;
}

/** Cases matching every given criterion, most recent first. */
export const findCases = (state: CasesState, query: CaseQuery): CaseSummary[] =>
  Object.values(state.cases)
    .filter((c) => !query.caseId || c.caseId.toLowerCase().includes(query.caseId.toLowerCase()))
    .filter((c) => !query.name || c.patient.name.includes(query.name))
    .filter((c) => !query.institutionId || c.institutionIds.includes(query.institutionId))
    .filter((c) => !query.from || Date.parse(c.openedAt) >= (query.from as Date).getTime())
    .filter((c) => !query.to || Date.parse(c.openedAt) <= (query.to as Date).getTime())
    .sort((a, b) => Date.parse(b.lastEventAt) - Date.parse(a.lastEventAt));

export const casesProjection: Projection<CasesState> = {
  name: "cases",
  version: 1,
  initialState: () => ({ cases: {} }),
  evolve: evolveCases,
};
