export * from "./board/index.js";
export * from "./cases/index.js";
export * from "./completeness/index.js";
export * from "./runner/index.js";
export * from "./shared/projectedEvent.js";
export * from "./shared/projection.js";
export * from "./timeline/index.js";

import { boardProjection } from "./board/index.js";
import { casesProjection } from "./cases/index.js";
import { completenessProjection } from "./completeness/index.js";
import type { AnyProjection } from "./shared/projection.js";
import { timelineProjection } from "./timeline/index.js";

/** The read models the service runs. */
export const allProjections: readonly AnyProjection[] = [
  boardProjection,
  timelineProjection,
  completenessProjection,
  casesProjection,
];
