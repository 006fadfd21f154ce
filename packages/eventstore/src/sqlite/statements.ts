import type Database from "better-sqlite3";
import type { EventRow } from "./rows.js";

const COLUMNS = "position, event_id, stream_id, revision, type, data, metadata, recorded_at";

export interface NewEventRow {
  event_id: string;
  stream_id: string;
  category: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
}

export function prepareStatements(db: Database.Database) {
  return {
    eventById: db.prepare<[string], EventRow>(`SELECT ${COLUMNS} FROM events WHERE event_id = ?`),
    streamRevision: db.prepare<[string], { revision: number }>(
      "SELECT revision FROM streams WHERE stream_id = ?",
    ),
    insertEvent: db.prepare<[NewEventRow]>(
      `INSERT INTO events (event_id, stream_id, category, revision, type, data, metadata, recorded_at)
       VALUES (@event_id, @stream_id, @category, @revision, @type, @data, @metadata, @recorded_at)`,
    ),
    upsertStream: db.prepare<[string, number]>(
      `INSERT INTO streams (stream_id, revision) VALUES (?, ?)
       ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision`,
    ),
    streamPage: db.prepare<[string, number, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`,
    ),
    allPage: db.prepare<[number, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
    ),
    // Categories travel as one JSON array so that one prepared statement serves any list.
    allPageInCategories: db.prepare<[number, string, number], EventRow>(
      `SELECT ${COLUMNS} FROM events
       WHERE position > ? AND category IN (SELECT value FROM json_each(?))
       ORDER BY position LIMIT ?`,
    ),
    head: db.prepare<[], { head: number | null }>("SELECT MAX(position) AS head FROM events"),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
