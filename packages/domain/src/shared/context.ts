import type { ReferenceLookup } from "../reference/lookup.js";

/** What a decider may consult besides its own state: the clock's reading and the reference data. */
export interface DecisionContext {
  now: Date;
  reference: ReferenceLookup;
}
