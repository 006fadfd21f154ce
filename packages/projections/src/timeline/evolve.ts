import type { ProjectedEvent } from "../shared/projectedEvent.js";
import type { TimelineState } from "./state.js";

/**
 * Appends every event to its case (metadata.caseId, the correlation id) across referrals and transfers.
 * The log grows without bound, so the case record is updated in place (copying it per event would make
 * replay quadratic): the caller owns the state and must not keep earlier states. Entries are never mutated.
 */
export const evolveTimeline = (state: TimelineState, { event, recorded }: ProjectedEvent): TimelineState => {
  const caseId = recorded.metadata.caseId;
  const entry = {
    position: recorded.position,
    streamId: recorded.streamId,
    type: event.type,
    actor: recorded.metadata.actor,
    occurredAt: event.data.occurredAt,
    recordedAt: recorded.recordedAt,
    revision: recorded.revision,
  };
  const entries = state.cases[caseId];
  if (entries) entries.push(entry);
  else state.cases[caseId] = [entry];
  return state;
};
