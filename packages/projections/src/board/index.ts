import { referralEventSchemas, transferEventSchemas } from "@mtc/domain";
import type { Projection } from "../shared/projection.js";
import { evolveBoard } from "./evolve.js";
import { type BoardState, initialBoardState } from "./state.js";

export * from "./asOf.js";
export * from "./evolve.js";
export * from "./state.js";
export * from "./view.js";

/** Live transfer board for the dispatch centre (000 §十二). */
export const boardProjection: Projection<BoardState> = {
  name: "board",
  version: 2,
  handles: [...Object.keys(referralEventSchemas), ...Object.keys(transferEventSchemas)],
  initialState: initialBoardState,
  evolve: evolveBoard,
};
