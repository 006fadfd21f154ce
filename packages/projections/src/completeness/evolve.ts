import type { ProjectedEvent } from "../shared/projectedEvent.js";
import type { CompletenessState, TransferRecord } from "./state.js";

/**
 * Collects, per transfer, when each record 000 §十二(十) requires happened and was entered. Transfers are
 * kept forever (it is a report), so the record of transfers is updated in place to keep replay linear: the
 * caller owns the state and must not keep earlier states. Each transfer's record is replaced, never mutated.
 */
export const evolveCompleteness = (
  state: CompletenessState,
  { event, recorded }: ProjectedEvent,
): CompletenessState => {
  const id = recorded.streamId;
  const times = { occurredAt: event.data.occurredAt, recordedAt: recorded.recordedAt };
  const put = (record: TransferRecord): CompletenessState => {
    state.transfers[id] = record;
    return state;
  };
  if (event.type === "TransferRequested") {
    const d = event.data;
    return put({
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
    });
  }
  const record = state.transfers[id];
  if (!record) return state;
  switch (event.type) {
    case "TransferDeparted":
      return put({ ...record, departure: times });
    case "EnRouteCareRecorded":
      return put({ ...record, enRouteCare: [...record.enRouteCare, times] });
    case "TransferArrived":
      return put({ ...record, reception: times });
    case "HandoverCompleted":
      return put({ ...record, handover: times, status: "handed_over" });
    case "TransferDiverted":
      return put({ ...record, destinationInstitutionId: event.data.toInstitutionId });
    case "TransferCancelled":
      return put({ ...record, status: "cancelled" });
    default:
      return state;
  }
};
