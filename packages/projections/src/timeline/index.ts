import type { Projection } from "../shared/projection.js";
import { evolveTimeline } from "./evolve.js";
import { initialTimelineState, type TimelineState } from "./state.js";

export * from "./evolve.js";
export * from "./query.js";
export * from "./state.js";

/** Case timeline for auditors: every event of a case in log order, replayable as of any moment. */
export const timelineProjection: Projection<TimelineState> = {
  name: "timeline",
  version: 2,
  initialState: initialTimelineState,
  evolve: evolveTimeline,
};
