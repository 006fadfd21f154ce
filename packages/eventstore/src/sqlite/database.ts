import Database from "better-sqlite3";

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
  UNIQUE (stream_id, revision)
);
CREATE INDEX IF NOT EXISTS events_by_category ON events (category, position);
CREATE TABLE IF NOT EXISTS streams (
  stream_id TEXT PRIMARY KEY,
  revision  INTEGER NOT NULL
);
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
