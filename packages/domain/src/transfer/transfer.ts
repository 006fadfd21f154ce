import type { ReferenceLookup } from "../reference/lookup.js";
import type { AmbulanceType } from "../reference/reference.js";
import type { PatientKind, RiskGrade } from "../shared/risk.js";
import type { TransferEvent } from "./events.js";
import type { PreArrivalAlertState } from "./preArrival.js";

/**
 * The ambulance types that may carry her (000 §十二(三)(四)(六)):
 * - purple (infectious disease): an infectious-disease ambulance, §十二(六), R-TRF-5;
 * - a newborn: a neonatal ambulance where the region has one, else a monitored one, §十二(四), R-TRF-3;
 * - orange/red (critical): a monitored ambulance with ECG monitor, defibrillator and ventilator, §十二(三), R-TRF-2;
 * - green/yellow: any road ambulance, ordinary or monitored.
 */
export const requiredAmbulanceTypes = (
  patientKind: PatientKind,
  riskGrade: RiskGrade,
  reference: ReferenceLookup,
): AmbulanceType[] => {
  if (riskGrade === "purple") return ["infectious_disease"];
  if (patientKind === "neonatal") {
    return reference.data.ambulances.some((a) => a.type === "neonatal") ? ["neonatal"] : ["monitored"];
  }
  if (riskGrade === "orange" || riskGrade === "red") return ["monitored"];
  return ["ordinary", "monitored"];
};

export interface TransferFacts {
  transferId: string;
  caseId: string;
  referralId: string | undefined;
  patientKind: PatientKind;
  riskGrade: RiskGrade;
  originInstitutionId: string;
  /** The current destination (a diversion changes it). */
  destinationInstitutionId: string;
  requiredAmbulanceType: AmbulanceType[];
  escortRequired: boolean;
  ambulanceId: string | undefined;
  /** occurredAt of the latest step: the next one may not be earlier. */
  lastOccurredAt: string;
  /** The pre-arrival alert for the current destination, once she has departed (issue 9 §1). */
  preArrival?: PreArrivalAlertState | undefined;
}

/** requested → dispatched → at_origin → en_route → arrived → handed_over; cancelled before departure. */
export type TransferState =
  | { status: "none" }
  | ({ status: "requested" } & TransferFacts)
  | ({ status: "dispatched" } & TransferFacts)
  | ({ status: "at_origin" } & TransferFacts)
  | ({ status: "en_route"; departedAt: string } & TransferFacts)
  | ({ status: "arrived"; departedAt: string; arrivedAt: string } & TransferFacts)
  | ({ status: "handed_over"; departedAt: string; arrivedAt: string } & TransferFacts)
  | ({ status: "cancelled" } & TransferFacts);

export type TransferStatus = TransferState["status"];

export const initialState = (): TransferState => ({ status: "none" });

/** Folds one event into the state. Events are facts: evolve never refuses one. */
export const evolve = (state: TransferState, event: TransferEvent): TransferState => {
  const { type, data } = event;
  if (type === "TransferRequested") {
    return {
      status: "requested",
      transferId: data.transferId,
      caseId: data.caseId,
      referralId: data.referralId,
      patientKind: data.patientKind,
      riskGrade: data.riskGrade,
      originInstitutionId: data.originInstitutionId,
      destinationInstitutionId: data.destinationInstitutionId,
      requiredAmbulanceType: data.requiredAmbulanceType,
      escortRequired: data.escortRequired,
      ambulanceId: undefined,
      lastOccurredAt: data.occurredAt,
    };
  }
  if (state.status === "none") return state; // an event without a start: nothing to fold it into
  const at = data.occurredAt;
  switch (type) {
    case "UnitDispatched":
      return { ...state, status: "dispatched", ambulanceId: data.ambulanceId, lastOccurredAt: at };
    case "UnitArrivedAtOrigin":
      return { ...state, status: "at_origin", lastOccurredAt: at };
    case "TransferDeparted":
      return { ...state, status: "en_route", departedAt: at, lastOccurredAt: at };
    case "EnRouteCareRecorded":
    case "RemoteGuidanceGiven":
      return { ...state, lastOccurredAt: at };
    case "TransferArrived":
      return {
        ...state,
        status: "arrived",
        departedAt: "departedAt" in state ? state.departedAt : at,
        arrivedAt: at,
        destinationInstitutionId: data.institutionId,
        lastOccurredAt: at,
      };
    case "HandoverCompleted":
      return {
        ...state,
        status: "handed_over",
        departedAt: "departedAt" in state ? state.departedAt : at,
        arrivedAt: "arrivedAt" in state ? state.arrivedAt : at,
        lastOccurredAt: at,
      };
    case "TransferDiverted":
      return { ...state, destinationInstitutionId: data.toInstitutionId, lastOccurredAt: at };
    case "TransferCancelled":
      return { ...state, status: "cancelled", lastOccurredAt: at };
    case "PreArrivalAlertRaised":
      return {
        ...state,
        preArrival: {
          destinationInstitutionId: data.destinationInstitutionId,
          readiness: data.readiness,
          expectedArrivalAt: data.expectedArrivalAt,
          acknowledged: false,
        },
        lastOccurredAt: at,
      };
    // The receiving side's entries do not order the crew's: a late en-route entry stays possible after them.
    case "PreArrivalEtaUpdated":
      return state.preArrival
        ? { ...state, preArrival: { ...state.preArrival, expectedArrivalAt: data.expectedArrivalAt } }
        : state;
    case "PreArrivalAlertAcknowledged":
      return state.preArrival ? { ...state, preArrival: { ...state.preArrival, acknowledged: true } } : state;
    default: {
      const unexpected: never = type;
      return unexpected;
    }
  }
};
