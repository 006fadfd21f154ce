import type { ProjectedEvent } from "./projectedEvent.js";

/**
 * A read model fed from the ordered log (Emmett style): `evolve` depends only on its inputs and never throws
 * on an event it was built for; state is plain JSON so it can be snapshotted. Read models that grow without
 * bound may update the state they are given in place (the caller owns it) so that replay stays linear. Bump `version` when `evolve` or the state shape
 * changes: a snapshot of another version is discarded and the projection is rebuilt from zero.
 */
export interface Projection<S> {
  readonly name: string;
  readonly version: number;
  /**
   * Event types it is built for; others only move its checkpoint. Omitted: every event. A projection is
   * stopped only by a bad event it handles, so the others go on.
   */
  readonly handles?: readonly string[];
  // Method syntax on purpose: lets a list of projections of different states be typed `Projection<unknown>[]`.
  initialState(): S;
  evolve(state: S, event: ProjectedEvent): S;
}

export type AnyProjection = Projection<unknown>;

/** Whether the projection takes events of this type. */
export const handlesType = (projection: AnyProjection, type: string): boolean =>
  projection.handles === undefined || projection.handles.includes(type);
