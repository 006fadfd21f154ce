import Database from "better-sqlite3";
import { chainEvent, GENESIS_HASH } from "../integrity/hashing.js";
import { type EventRow, toRecordedEvent } from "./rows.js";

const BUSY_TIMEOUT_MS = 5_000;
/** `PRAGMA synchronous` reads back as a number; 2 is FULL (fsync on every commit, also in WAL mode). */
const SYNCHRONOUS_FULL = 2;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id    TEXT NOT NULL UNIQUE,
  stream_id   TEXT NOT NULL,
  category    TEXT NOT NULL,
  revision    INTEGER NOT NULL,
  type        TEXT NOT NULL,
  data        TEXT NOT NULL,
  metadata    TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  stream_hash TEXT,
  global_prev TEXT,
  global_hash TEXT,
  UNIQUE (stream_id, revision)
);
CREATE INDEX IF NOT EXISTS events_by_category ON events (category, position);
`;

/** Opens the file with the durability the audit trail needs, and refuses to run without it. */
export function openDatabase(path: string): Database.Database {
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    assertDurable(db);
    db.exec(SCHEMA);
    dropStreamHeads(db);
    addHashChain(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export function assertDurable(db: Database.Database): void {
  const journalMode = db.pragma("journal_mode", { simple: true });
  if (journalMode !== "wal") {
    throw new Error(`SQLite event store ${db.name}: journal_mode is ${String(journalMode)}, WAL required`);
  }
  const synchronous = db.pragma("synchronous", { simple: true });
  if (synchronous !== SYNCHRONOUS_FULL) {
    throw new Error(
      `SQLite event store ${db.name}: synchronous is ${String(synchronous)}, FULL (2) required`,
    );
  }
}

/**
 * Files written before stream heads came from the events' own `(stream_id, revision)` index have a `streams`
 * table of heads: it cost every append two more B-tree writes and said nothing the events do not, and nothing
 * reads it now, so it is dropped. A file that cannot be written keeps it until it can.
 */
function dropStreamHeads(db: Database.Database): void {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'streams'").get();
  if (!exists) return;
  try {
    db.exec("DROP TABLE streams");
  } catch (error) {
    if (!(error instanceof Database.SqliteError && error.code.startsWith("SQLITE_READONLY"))) throw error;
  }
}

const MIGRATION_PAGE = 1_000;

/**
 * Files written before the hash chain (ADR 0006) get its columns, and the chain is computed over their rows once,
 * at open, in one write transaction: a second process opening the same file waits and then finds it done.
 * The chain then vouches for those rows from the migration on, not for what happened to them before.
 */
function addHashChain(db: Database.Database): void {
  const hasChain = () =>
    db
      .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('events')")
      .all()
      .some((column) => column.name === "global_hash");
  if (hasChain()) return;
  db.transaction(() => {
    if (hasChain()) return;
    db.exec(`ALTER TABLE events ADD COLUMN stream_hash TEXT;
             ALTER TABLE events ADD COLUMN global_prev TEXT;
             ALTER TABLE events ADD COLUMN global_hash TEXT;`);
    const page = db.prepare<[number, number], EventRow>(
      `SELECT position, event_id, stream_id, revision, type, data, metadata, recorded_at
       FROM events WHERE position > ? ORDER BY position LIMIT ?`,
    );
    const update = db.prepare<[string, string, string, number]>(
      "UPDATE events SET stream_hash = ?, global_prev = ?, global_hash = ? WHERE position = ?",
    );
    const streamLinks = new Map<string, string>();
    let globalPrev = GENESIS_HASH;
    let after = 0;
    for (;;) {
      const rows = page.all(after, MIGRATION_PAGE);
      for (const row of rows) {
        const links = chainEvent(
          toRecordedEvent(row),
          streamLinks.get(row.stream_id) ?? GENESIS_HASH,
          globalPrev,
        );
        update.run(links.streamHash, links.globalPrev, links.globalHash, row.position);
        streamLinks.set(row.stream_id, links.streamHash);
        globalPrev = links.globalHash;
        after = row.position;
      }
      if (rows.length < MIGRATION_PAGE) return;
    }
  }).immediate();
}
