import { transferEventSchemas } from "@mtc/domain";
import type { Projection } from "../shared/projection.js";
import { evolveCompleteness } from "./evolve.js";
import { type CompletenessState, initialCompletenessState } from "./state.js";

export * from "./evolve.js";
export * from "./query.js";
export * from "./state.js";

/** Transfer record completeness, 000 §十二(十), R-TRF-8. */
export const completenessProjection: Projection<CompletenessState> = {
  name: "completeness",
  version: 1,
  handles: Object.keys(transferEventSchemas),
  initialState: initialCompletenessState,
  evolve: evolveCompleteness,
};
