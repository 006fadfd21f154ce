import type { Actor } from "@mtc/eventstore";

/** One event of a case, as the audit trail shows it. */
export interface TimelineEntry {
  position: number;
  streamId: string;
  type: string;
  actor: Actor;
  /** When it happened in the world, as the user said. */
  occurredAt: string;
  /** When the store took it. */
  recordedAt: string;
  data: unknown;
}

/** Entries per case id, in log order. */
export interface TimelineState {
  cases: Record<string, TimelineEntry[]>;
}

export const initialTimelineState = (): TimelineState => ({ cases: {} });
