import type { ProjectedEvent } from "../shared/projectedEvent.js";
import { evolveBoard } from "./evolve.js";
import { type BoardState, initialBoardState } from "./state.js";

/**
 * The board as it stood at `asOf`: only events the store had taken by then (recordedAt ≤ asOf), in log
 * order. Pair it with `boardView(state, asOf)` to see the alarms the dispatcher saw.
 */
export const boardAsOf = (events: Iterable<ProjectedEvent>, asOf: Date): BoardState => {
  const limit = asOf.getTime();
  let state = initialBoardState();
  for (const projected of events) {
    if (Date.parse(projected.recorded.recordedAt) <= limit) state = evolveBoard(state, projected);
  }
  return state;
};
