import { minutesBetween } from "../shared/projectedEvent.js";
import type { TimelineEntry, TimelineState } from "./state.js";

export interface CaseTimelineOptions {
  /** Show only what the store had taken by then: what the dispatcher could see at that moment. */
  asOf?: Date | undefined;
  /** An entry recorded more than this many minutes after it happened is flagged as a late entry. */
  lateEntryMinutes: number;
}

export interface CaseTimelineEntry extends TimelineEntry {
  recordedLate: boolean;
  /** Entered after events that happened later: shown where it happened, flagged for the auditor. */
  recordedAfterLaterEvents: boolean;
}

/** A case's timeline in the order things happened (ties by log position), late entries flagged. */
export const caseTimeline = (
  state: TimelineState,
  caseId: string,
  { asOf, lateEntryMinutes }: CaseTimelineOptions,
): CaseTimelineEntry[] => {
  const all = state.cases[caseId] ?? [];
  const limit = asOf?.getTime();
  const visible = limit === undefined ? all : all.filter((e) => Date.parse(e.recordedAt) <= limit);
  // Entries are in log order: an entry is out of place when an earlier-logged one happened after it.
  let latestOccurred = Number.NEGATIVE_INFINITY;
  const flagged = visible.map((entry) => {
    const occurred = Date.parse(entry.occurredAt);
    const recordedAfterLaterEvents = latestOccurred > occurred;
    latestOccurred = Math.max(latestOccurred, occurred);
    return {
      ...entry,
      recordedLate: minutesBetween(entry.occurredAt, entry.recordedAt) > lateEntryMinutes,
      recordedAfterLaterEvents,
    };
  });
  return flagged.sort(
    (a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || a.position - b.position,
  );
};

/** Case ids known to the timeline. */
export const timelineCaseIds = (state: TimelineState): string[] => Object.keys(state.cases);
