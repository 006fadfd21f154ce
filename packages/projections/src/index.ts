import type { EventStore } from "@mtc/eventstore";
import { accessModel } from "./access/index.js";
import { arrivalsModel } from "./arrivals/index.js";
import { bloodModel } from "./blood/index.js";
import { type BoardCheckpointOptions, boardModel } from "./board/model.js";
import { casesModel } from "./cases/index.js";
import { completenessModel } from "./completeness/index.js";
import { fleetModel } from "./fleet/index.js";
import { mdtModel } from "./mdt/index.js";
import { type ReadModelFileStatus, rebuildInto, statusOf } from "./runner/rebuild.js";
import { categoriesOf, type ReadModel } from "./shared/readModel.js";
import { timelineModel } from "./timeline/index.js";

export * from "./access/index.js";
export * from "./arrivals/index.js";
export * from "./blood/index.js";
export * from "./board/index.js";
export * from "./cases/index.js";
export * from "./completeness/index.js";
export * from "./fleet/index.js";
export * from "./mdt/index.js";
export * from "./runner/index.js";
export * from "./shared/projectedEvent.js";
export * from "./shared/readModel.js";
export * from "./timeline/index.js";

/** The read models the service runs; the runner reads the union of their categories (`categoriesOf`). */
export const allModels = (checkpoints?: BoardCheckpointOptions): readonly ReadModel[] => [
  boardModel(checkpoints) as unknown as ReadModel,
  timelineModel,
  completenessModel as unknown as ReadModel,
  casesModel as unknown as ReadModel,
  accessModel,
  fleetModel as unknown as ReadModel,
  arrivalsModel as unknown as ReadModel,
  bloodModel as unknown as ReadModel,
  mdtModel as unknown as ReadModel,
];

/** For the operator CLI: what a read-model file holds against the code's model versions. */
export function readModelStatus(path: string): ReadModelFileStatus {
  return statusOf(path, allModels());
}

/**
 * For the operator CLI: rebuilds read models (all, or `models`) from the log, safe against a running
 * service (see `rebuildInto`).
 */
export async function rebuildReadModels(options: {
  store: EventStore;
  path: string;
  models?: string[];
  onProgress?: (p: { model: string; position: number; head: number; events: number }) => void;
  signal?: AbortSignal;
}): Promise<{ events: number; seconds: number; adopted: "now" | "next_start" }> {
  const models = allModels();
  return rebuildInto({
    store: options.store,
    path: options.path,
    models,
    categories: categoriesOf(models),
    ...(options.models ? { only: options.models } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
