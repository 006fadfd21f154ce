import type {
  AmbulanceType,
  PatientIdentity,
  PatientKind,
  ReadinessAsk,
  RiskGrade,
  Urgency,
} from "@mtc/domain";

export type ReferralStep =
  | "requested"
  | "accepted"
  | "declined"
  | "redirected"
  | "escalated"
  | "received"
  | "off_protocol_arrival";

export type TransferStep = "requested" | "dispatched" | "unit_at_origin" | "departed" | "arrived";

/** Steps that do not replace the current step but are still timed (diversion, remote guidance). */
export type SideStep = "diverted" | "remote_guidance";

/** One open referral or transfer on the dispatch-centre board; id is the stream id. */
export interface BoardItem {
  id: string;
  kind: "referral" | "transfer";
  caseId: string;
  riskGrade: RiskGrade;
  patientKind: PatientKind;
  /** Referrals carry an urgency; transfers are emergencies by nature (000 §十二). */
  urgency: Urgency | null;
  /** Kept in full here; masking for the viewer's role is the service's job. */
  patient: PatientIdentity;
  originInstitutionId: string | null;
  destinationInstitutionId: string;
  step: ReferralStep | TransferStep;
  /** occurredAt of each step reached; a step reached twice keeps its latest time. */
  stepsAt: Partial<Record<ReferralStep | TransferStep | SideStep, string>>;
  openedAt: string;
  /** occurredAt of the current step: elapsed-in-step counts from here. */
  stepAt: string;
  ambulance: { id: string; type: AmbulanceType } | null;
  /** Transfers: the ambulance types that fit the case (000 §十二(三)(四)(六)); the dispatch dialog offers these first. */
  requiredAmbulanceType: AmbulanceType[];
  /** Transfers: the referral it carries out, if any. */
  referralId: string | null;
  /** 病情摘要 */
  clinicalSummary: string;
  /** Referrals: 转诊原因. */
  reasons: string[];
  gestationalWeeks: number | null;
  /** Referrals: expected arrival given at acceptance. */
  expectedArrivalAt: string | null;
  escortRequired: boolean;
  enRouteCareCount: number;
  /** Global log position of the last event applied to the item (for change feeds and read-your-writes). */
  lastPosition: number;
  /** Transfers en route: the pre-arrival alert to the current destination (issue 9 §1); absent before departure. */
  preArrival?: BoardPreArrival | undefined;
  /** A green/yellow referral just declined by this command: hidden, kept for one event (see `evolveBoardItem`). */
  parkedBy?: string;
}

/** The pre-arrival alert as the board shows it (issue 9 §1, R-TRF-7). */
export interface BoardPreArrival {
  /** occurredAt of the alert (departure, or the diversion that re-targeted it): the ack alarm counts from here. */
  alertedAt: string;
  expectedArrivalAt: string | null;
  asks: ReadinessAsk[];
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
}
