import type { RecordedEvent } from "@mtc/eventstore";
import { type ProjectResult, toProjectedEvent } from "../shared/projectedEvent.js";
import { type AnyProjection, handlesType } from "../shared/projection.js";

/** Why a projection stopped: the event it could not take. */
export interface ProjectionFailure {
  position: number;
  streamId: string;
  type: string;
  reason: string;
}

export interface RebuildResult {
  states: Record<string, unknown>;
  checkpoints: Record<string, number>;
  failures: Record<string, ProjectionFailure>;
}

/** Parses an event at most once, and only if some projection handles its type. */
export const lazyParse = (recorded: RecordedEvent): (() => ProjectResult) => {
  let parsed: ProjectResult | undefined;
  return () => {
    parsed ??= toProjectedEvent(recorded);
    return parsed;
  };
};

/** Applies one recorded event (parsed once by the caller) to one projection's state, or says why it cannot. */
export const applyEvent = (
  projection: AnyProjection,
  state: unknown,
  recorded: RecordedEvent,
  parse: () => ProjectResult,
): { ok: true; state: unknown } | { ok: false; failure: ProjectionFailure } => {
  if (!handlesType(projection, recorded.type)) return { ok: true, state };
  const parsed = parse();
  const fail = (reason: string) => ({
    ok: false as const,
    failure: { position: recorded.position, streamId: recorded.streamId, type: recorded.type, reason },
  });
  if (!parsed.ok) return fail(parsed.reason);
  try {
    return { ok: true, state: projection.evolve(state, parsed.projected) };
  } catch (error) {
    return fail(`evolve threw: ${error instanceof Error ? error.message : String(error)}`);
  }
};

/**
 * Folds the whole log into every projection from its initial state, with the runner's failure rule: an event
 * that cannot be parsed stops that projection. The reference result a runner must always equal.
 */
export const rebuildFromScratch = (
  events: Iterable<RecordedEvent>,
  projections: readonly AnyProjection[],
): RebuildResult => {
  const result: RebuildResult = { states: {}, checkpoints: {}, failures: {} };
  for (const p of projections) {
    result.states[p.name] = p.initialState();
    result.checkpoints[p.name] = -1;
  }
  for (const recorded of events) {
    const parse = lazyParse(recorded);
    for (const p of projections) {
      if (result.failures[p.name]) continue;
      const applied = applyEvent(p, result.states[p.name], recorded, parse);
      if (applied.ok) {
        result.states[p.name] = applied.state;
        result.checkpoints[p.name] = recorded.position;
      } else {
        result.failures[p.name] = applied.failure;
      }
    }
  }
  return result;
};
