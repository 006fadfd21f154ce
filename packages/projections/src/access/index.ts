import type { RecordedEvent } from "@mtc/eventstore";
import type Database from "better-sqlite3";
import type { RecordRowModel } from "../shared/readModel.js";

/** The access log's category and event types (issue 8 finding 6); written by the coordinator's access log. */
export const ACCESS_CATEGORY = "access";
export const PATIENT_DATA_READ = "PatientDataRead";
/** Timeline reads recorded before the access log, in `access-<caseId>` streams; the case is in metadata only. */
export const CASE_TIMELINE_READ = "CaseTimelineRead";

/** One read that showed a case's patient data, as "who read case X" lists it. */
export interface CaseRead {
  position: number;
  userId: string;
  role: string;
  institutionId?: string | undefined;
  kind: string;
  /** The route as declared (`GET /api/cases/:id/timeline`). */
  route: string;
  /** The client's address as the server saw it. */
  from: string;
  asOf?: string | undefined;
  query?: Record<string, string | number> | undefined;
  /** When the store took the read's record. */
  recordedAt: string;
}

const DDL = `
CREATE TABLE IF NOT EXISTS case_reads (
  case_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  user_id TEXT NOT NULL,
  role TEXT NOT NULL,
  institution_id TEXT,
  kind TEXT NOT NULL,
  route TEXT NOT NULL,
  from_address TEXT NOT NULL,
  as_of TEXT,
  query TEXT,
  recorded_at TEXT NOT NULL,
  PRIMARY KEY (case_id, position)
) WITHOUT ROWID;
`;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const stringOr = (value: unknown, fallback: string): string => (typeof value === "string" ? value : fallback);

/**
 * The cases a recorded read showed: `data.caseIds` of a `PatientDataRead`, `metadata.caseId` of an old
 * `CaseTimelineRead`. Throws on data that names none the way it should (the event fails alone, see `keyOf`).
 */
export const casesOfRead = (recorded: RecordedEvent): string[] => {
  if (recorded.type === CASE_TIMELINE_READ) return [recorded.metadata.caseId];
  const caseIds = isRecord(recorded.data) ? recorded.data.caseIds : undefined;
  if (!Array.isArray(caseIds) || !caseIds.every((id): id is string => typeof id === "string"))
    throw new Error(`${recorded.type}: data.caseIds is not a list of case ids`);
  // The access log records each case once per read; a repeated id must not break the primary key.
  return [...new Set(caseIds)];
};

/**
 * "Who read case X" (issue 8 finding 6): a per-case index of the access log, one row per case a read showed,
 * so that the question costs O(that case's reads) instead of a scan of the whole access category.
 */
export const accessModel: RecordRowModel = {
  kind: "records",
  name: "access",
  version: 1,
  categories: [ACCESS_CATEGORY],
  handles: [PATIENT_DATA_READ, CASE_TIMELINE_READ],
  tables: ["case_reads"],
  ddl: DDL,
  // Insert-only: a malformed record fails by itself and never holds back the reader's later reads.
  keyOf: (recorded) => `${recorded.streamId}@${recorded.revision}`,
  rows: (db) => {
    const insert = db.prepare(
      `INSERT INTO case_reads (case_id, position, user_id, role, institution_id, kind, route, from_address,
         as_of, query, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return {
      insert: (recorded) => {
        const data = isRecord(recorded.data) ? recorded.data : {};
        const { actor } = recorded.metadata;
        const asOf = typeof data.asOf === "string" ? data.asOf : null;
        const query = isRecord(data.query) ? JSON.stringify(data.query) : null;
        for (const caseId of casesOfRead(recorded))
          insert.run(
            caseId,
            recorded.position,
            actor.userId,
            actor.role,
            actor.institutionId ?? null,
            // Old timeline reads carry no kind: they were all timeline reads.
            stringOr(data.kind, "timeline"),
            stringOr(data.route, ""),
            stringOr(data.from, ""),
            asOf,
            query,
            recorded.recordedAt,
          );
      },
    };
  },
};

interface CaseReadRow {
  position: number;
  user_id: string;
  role: string;
  institution_id: string | null;
  kind: string;
  route: string;
  from_address: string;
  as_of: string | null;
  query: string | null;
  recorded_at: string;
}

const readOf = (r: CaseReadRow): CaseRead => ({
  position: r.position,
  userId: r.user_id,
  role: r.role,
  ...(r.institution_id !== null ? { institutionId: r.institution_id } : {}),
  kind: r.kind,
  route: r.route,
  from: r.from_address,
  ...(r.as_of !== null ? { asOf: r.as_of } : {}),
  ...(r.query !== null ? { query: JSON.parse(r.query) as Record<string, string | number> } : {}),
  recordedAt: r.recorded_at,
});

/** Access-index queries over the read-only connection: one primary-key range per case. */
export const accessQueries = (db: Database.Database) => {
  const page = db.prepare<[string, number, number], CaseReadRow>(
    "SELECT * FROM case_reads WHERE case_id = ? AND position < ? ORDER BY position DESC LIMIT ?",
  );
  return {
    /**
     * The reads that showed this case, newest first: `limit` reads before log position `before` (exclusive),
     * and the cursor of the next page (null: none).
     */
    readsOfCase: (
      caseId: string,
      { before, limit }: { before?: number | undefined; limit: number },
    ): { reads: CaseRead[]; next: number | null } => {
      // One row more than asked tells whether a next page exists.
      const rows = page.all(caseId, before ?? Number.MAX_SAFE_INTEGER, limit + 1);
      const reads = rows.slice(0, limit).map(readOf);
      return { reads, next: rows.length > limit ? (reads.at(-1)?.position ?? null) : null };
    },
  };
};
