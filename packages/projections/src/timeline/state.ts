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
  /** Revision in its stream. The event's data stays in the store and is read when a timeline is asked for:
   * holding every event of every case in memory made the read model grow with the log (≈ 3 GB at 1 M events). */
  revision: number;
}

/** Entries per case id, in log order. */
export interface TimelineState {
  cases: Record<string, TimelineEntry[]>;
}

export const initialTimelineState = (): TimelineState => ({ cases: {} });
