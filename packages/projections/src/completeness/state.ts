/** When a required record happened and when it was entered. */
export interface RecordTimes {
  occurredAt: string;
  recordedAt: string;
}

/** The facts a transfer's record must hold (000 §十二(十), R-TRF-8), with their times. */
export interface TransferRecord {
  transferId: string;
  caseId: string;
  originInstitutionId: string;
  destinationInstitutionId: string;
  status: "open" | "handed_over" | "cancelled";
  requestedAt: string;
  /** TransferDeparted: 转出时间 and 转出时状况 come from the same entry. */
  departure: RecordTimes | null;
  /** Every EnRouteCareRecorded (途中救治). */
  enRouteCare: RecordTimes[];
  /** TransferArrived (接诊). */
  reception: RecordTimes | null;
  /** HandoverCompleted (病情移交). */
  handover: RecordTimes | null;
}
