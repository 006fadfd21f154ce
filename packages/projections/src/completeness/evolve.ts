import type { ProjectedEvent } from "../shared/projectedEvent.js";
import type { TransferRecord } from "./state.js";

/**
 * Collects, for one transfer (keyed by its stream id), when each record 000 §十二(十) requires happened and
 * was entered. Transfers are kept forever (it is a report). Pure: the record is copied, never mutated.
 */
export const evolveTransferRecord = (
  record: TransferRecord | null,
  { event, recorded }: ProjectedEvent,
): TransferRecord | null => {
  const times = { occurredAt: event.data.occurredAt, recordedAt: recorded.recordedAt };
  if (event.type === "TransferRequested") {
    const d = event.data;
    return {
      transferId: d.transferId,
      caseId: d.caseId,
      originInstitutionId: d.originInstitutionId,
      destinationInstitutionId: d.destinationInstitutionId,
      status: "open",
      requestedAt: d.occurredAt,
      departure: null,
      enRouteCare: [],
      reception: null,
      handover: null,
    };
  }
  if (!record) return null;
  switch (event.type) {
    case "TransferDeparted":
      return { ...record, departure: times };
    case "EnRouteCareRecorded":
      return { ...record, enRouteCare: [...record.enRouteCare, times] };
    case "TransferArrived":
      return { ...record, reception: times };
    case "HandoverCompleted":
      return { ...record, handover: times, status: "handed_over" };
    case "TransferDiverted":
      return { ...record, destinationInstitutionId: event.data.toInstitutionId };
    case "TransferCancelled":
      return { ...record, status: "cancelled" };
    default:
      return record;
  }
};
