import Database from "better-sqlite3";
import { StoreUnavailableError, type StoreUnavailableReason } from "../port.js";

/**
 * SQLite result codes (https://www.sqlite.org/rescode.html) that say the file or its disk cannot serve now, by
 * primary code; extended codes (`SQLITE_IOERR_WRITE`, `SQLITE_BUSY_SNAPSHOT`, …) share their primary's reason.
 */
const REASONS = new Map<string, StoreUnavailableReason>([
  ["SQLITE_FULL", "disk_full"],
  ["SQLITE_READONLY", "read_only"],
  ["SQLITE_PERM", "read_only"],
  ["SQLITE_BUSY", "locked"],
  ["SQLITE_LOCKED", "locked"],
  ["SQLITE_PROTOCOL", "locked"],
  ["SQLITE_CORRUPT", "corrupt"],
  ["SQLITE_NOTADB", "corrupt"],
  ["SQLITE_IOERR", "io_error"],
  ["SQLITE_CANTOPEN", "io_error"],
]);

const WORDS: Readonly<Record<StoreUnavailableReason, string>> = {
  disk_full: "the disk holding the event database is full",
  read_only: "the event database cannot be written (read-only)",
  locked: "the event database is locked by another connection",
  corrupt: "the event database file is damaged",
  io_error: "the disk holding the event database failed to read or write",
  unreachable: "the event database cannot be reached",
};

/** The store-neutral error for a SQLite failure of the file or disk; undefined for anything else. */
export function classifySqliteError(error: unknown): StoreUnavailableError | undefined {
  if (!(error instanceof Database.SqliteError)) return undefined;
  const primary = error.code.match(/^SQLITE_[A-Z]+/)?.[0] ?? error.code;
  const reason = REASONS.get(primary);
  return reason ? new StoreUnavailableError(reason, WORDS[reason], { cause: error }) : undefined;
}

export const unavailable = (reason: StoreUnavailableReason): StoreUnavailableError =>
  new StoreUnavailableError(reason, WORDS[reason]);
