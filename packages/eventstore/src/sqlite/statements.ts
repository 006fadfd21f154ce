import type Database from "better-sqlite3";
import type { ChainRow, EventRow } from "./rows.js";

const COLUMNS = "position, event_id, stream_id, revision, type, data, metadata, recorded_at";
const CHAIN_COLUMNS = `${COLUMNS}, stream_hash, global_prev, global_hash`;

export interface NewEventRow {
  position: number;
  event_id: string;
  stream_id: string;
  category: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
  stream_hash: string;
  global_prev: string;
  global_hash: string;
}

export function prepareStatements(db: Database.Database) {
  return {
    eventById: db.prepare<[string], EventRow>(`SELECT ${COLUMNS} FROM events WHERE event_id = ?`),
    // The stream's last revision and link, read inside the write transaction from the events themselves.
    streamHead: db.prepare<[string], { revision: number; stream_hash: string | null }>(
      "SELECT revision, stream_hash FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1",
    ),
    insertEvent: db.prepare<[NewEventRow]>(
      `INSERT INTO events (position, event_id, stream_id, category, revision, type, data, metadata, recorded_at,
                           stream_hash, global_prev, global_hash)
       VALUES (@position, @event_id, @stream_id, @category, @revision, @type, @data, @metadata, @recorded_at,
               @stream_hash, @global_prev, @global_hash)`,
    ),
    // Read inside the write transaction, never from memory: another process may have appended (ADR 0006).
    lastGlobal: db.prepare<[], { position: number; global_hash: string | null }>(
      "SELECT position, global_hash FROM events ORDER BY position DESC LIMIT 1",
    ),
    // AUTOINCREMENT never reuses a position, also after the tail was deleted: a truncation cannot be papered over.
    usedPosition: db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'events'"),
    chainPage: db.prepare<[number, number], ChainRow>(
      `SELECT ${CHAIN_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
    ),
    streamChainPage: db.prepare<[string, number, number], ChainRow>(
      `SELECT ${CHAIN_COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`,
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
    // The same along the positions (`+category` keeps SQLite off the category index), within (after, until].
    allWindowInCategories: db.prepare<[number, number, string, number], EventRow>(
      `SELECT ${COLUMNS} FROM events
       WHERE position > ? AND position <= ? AND +category IN (SELECT value FROM json_each(?))
       ORDER BY position LIMIT ?`,
    ),
    head: db.prepare<[], { head: number | null }>("SELECT MAX(position) AS head FROM events"),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
