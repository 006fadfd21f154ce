import type {
  AmbulanceType,
  PatientIdentity,
  PatientKind,
  ReadinessAsk,
  RiskGrade,
  VitalSigns,
} from "@mtc/domain";

/** One en-route entry (途中救治) as the receiving institution reads it. */
export interface ArrivalCareEntry {
  kind: "observation" | "treatment";
  description: string;
  performedBy: string;
  vitalSigns: VitalSigns | null;
  occurredAt: string;
}

/** The pre-arrival alert itself (issue 9 §1); null until the transfer departs. */
export interface PreArrivalAlert {
  /** occurredAt of the departure, or of the diversion that re-targeted the alert. */
  alertedAt: string;
  cause: "departure" | "diversion";
  /** 预计到达时间, and who gave it last (the departure's crew when it came with the departure). */
  expectedArrivalAt: string | null;
  etaUpdatedBy: string | null;
  asks: ReadinessAsk[];
  askNote: string | null;
  /** 接收确认 by the destination: by whom and when. */
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
}

/**
 * An incoming transfer as its destination sees it (one row per transfer, keyed by its stream id): who is
 * coming, her condition at departure, what was done en route, when she arrives and what to have ready.
 * Open from the request (the facts come from it) until the handover or a cancellation.
 */
export interface Arrival {
  id: string;
  transferId: string;
  caseId: string;
  patientKind: PatientKind;
  /** Kept in full here; masking for the viewer's role is the service's job. */
  patient: PatientIdentity;
  riskGrade: RiskGrade;
  originInstitutionId: string;
  destinationInstitutionId: string;
  clinicalSummary: string;
  ambulance: { id: string; type: AmbulanceType } | null;
  status: "requested" | "en_route" | "arrived";
  departedAt: string | null;
  /** 转出时状况 */
  conditionAtDeparture: { summary: string; vitalSigns: VitalSigns } | null;
  escorts: string[];
  enRouteCare: ArrivalCareEntry[];
  arrivedAt: string | null;
  alert: PreArrivalAlert | null;
  /** Global log position of the last event applied (for the feed's `change` messages). */
  lastPosition: number;
}
