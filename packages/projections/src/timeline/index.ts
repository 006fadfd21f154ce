import type { Actor } from "@mtc/eventstore";
import type Database from "better-sqlite3";
import { minutesBetween, type ProjectedEvent } from "../shared/projectedEvent.js";
import { DOMAIN_CATEGORIES, type RowModel } from "../shared/readModel.js";

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
  /** Revision in its stream. The event's data stays in the store and is read when a timeline is asked for. */
  revision: number;
}

// Rows in log order (the position is the rowid), so that a rebuild appends them; the per-case index
// `timeline_by_case` is then built once, sorted, after the load (ADR 7). A case's timeline is one range of it.
const DDL = `
CREATE TABLE IF NOT EXISTS timeline_entries (
  position INTEGER PRIMARY KEY,
  case_id TEXT NOT NULL,
  stream_id TEXT NOT NULL,
  type TEXT NOT NULL,
  occurred_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  actor_user_id TEXT NOT NULL,
  actor_role TEXT NOT NULL,
  actor_institution_id TEXT,
  revision INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS timeline_by_case ON timeline_entries (case_id, position);
`;

/** The timeline's row for one event: the index entry of its case (metadata.caseId, the correlation id). */
export const timelineEntryOf = ({ event, recorded }: ProjectedEvent): TimelineEntry => ({
  position: recorded.position,
  streamId: recorded.streamId,
  type: event.type,
  actor: recorded.metadata.actor,
  occurredAt: event.data.occurredAt,
  recordedAt: recorded.recordedAt,
  revision: recorded.revision,
});

/** Case timeline for auditors: a per-case index of every event, so a case costs O(its events). */
export const timelineModel: RowModel = {
  kind: "rows",
  name: "timeline",
  categories: DOMAIN_CATEGORIES,
  version: 4,
  tables: ["timeline_entries"],
  ddl: DDL,
  keyOf: (recorded) => recorded.metadata.caseId,
  rows: (db) => {
    const insert = db.prepare(
      `INSERT INTO timeline_entries (case_id, position, stream_id, type, occurred_at, recorded_at,
         actor_user_id, actor_role, actor_institution_id, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return {
      insert: ({ event, recorded }) => {
        insert.run(
          recorded.metadata.caseId,
          recorded.position,
          recorded.streamId,
          event.type,
          event.data.occurredAt,
          recorded.recordedAt,
          recorded.metadata.actor.userId,
          recorded.metadata.actor.role,
          recorded.metadata.actor.institutionId ?? null,
          recorded.revision,
        );
      },
    };
  },
};

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

/** Entries in log order flagged for the auditor, then ordered by when they happened (ties by position). */
export const flagTimeline = (
  entries: readonly TimelineEntry[],
  lateEntryMinutes: number,
): CaseTimelineEntry[] => {
  // Entries are in log order: an entry is out of place when an earlier-logged one happened after it.
  let latestOccurred = Number.NEGATIVE_INFINITY;
  const flagged = entries.map((entry) => {
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

interface EntryRow {
  position: number;
  stream_id: string;
  type: string;
  occurred_at: string;
  recorded_at: string;
  actor_user_id: string;
  actor_role: string;
  actor_institution_id: string | null;
  revision: number;
}

const entryOf = (r: EntryRow): TimelineEntry => ({
  position: r.position,
  streamId: r.stream_id,
  type: r.type,
  actor: {
    userId: r.actor_user_id,
    role: r.actor_role,
    ...(r.actor_institution_id !== null ? { institutionId: r.actor_institution_id } : {}),
  },
  occurredAt: r.occurred_at,
  recordedAt: r.recorded_at,
  revision: r.revision,
});

/** Timeline queries over the read-only connection: one primary-key range per case. */
export const timelineQueries = (db: Database.Database) => {
  const all = db.prepare<[string], EntryRow>(
    "SELECT * FROM timeline_entries WHERE case_id = ? ORDER BY position",
  );
  const until = db.prepare<[string, string], EntryRow>(
    "SELECT * FROM timeline_entries WHERE case_id = ? AND recorded_at <= ? ORDER BY position",
  );
  return {
    /** A case's entries in log order; with asOf, exactly those the store had recorded by then. */
    entries: (caseId: string, asOf?: Date): TimelineEntry[] =>
      (asOf ? until.all(caseId, asOf.toISOString()) : all.all(caseId)).map(entryOf),
    caseTimeline: (caseId: string, { asOf, lateEntryMinutes }: CaseTimelineOptions): CaseTimelineEntry[] =>
      flagTimeline(
        (asOf ? until.all(caseId, asOf.toISOString()) : all.all(caseId)).map(entryOf),
        lateEntryMinutes,
      ),
  };
};
