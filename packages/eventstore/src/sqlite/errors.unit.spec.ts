import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { classifySqliteError } from "./errors.js";

const sqliteError = (code: string) => new Database.SqliteError("message from SQLite", code);

describe("SQLite error classification", () => {
  it("maps primary and extended result codes of the file and disk to a store-neutral reason", () => {
    const cases: [string, string][] = [
      ["SQLITE_FULL", "disk_full"],
      ["SQLITE_READONLY", "read_only"],
      ["SQLITE_READONLY_DBMOVED", "read_only"],
      ["SQLITE_BUSY", "locked"],
      ["SQLITE_BUSY_SNAPSHOT", "locked"],
      ["SQLITE_LOCKED_SHAREDCACHE", "locked"],
      ["SQLITE_CORRUPT", "corrupt"],
      ["SQLITE_CORRUPT_INDEX", "corrupt"],
      ["SQLITE_NOTADB", "corrupt"],
      ["SQLITE_IOERR_WRITE", "io_error"],
      ["SQLITE_IOERR", "io_error"],
      ["SQLITE_CANTOPEN", "io_error"],
    ];
    for (const [code, reason] of cases) {
      const classified = classifySqliteError(sqliteError(code));
      expect(classified?.reason, code).toBe(reason);
      expect(classified?.message, code).not.toContain("message from SQLite");
    }
  });

  it("leaves constraint and programming errors alone", () => {
    for (const code of ["SQLITE_CONSTRAINT_UNIQUE", "SQLITE_ERROR", "SQLITE_MISMATCH"]) {
      expect(classifySqliteError(sqliteError(code)), code).toBeUndefined();
    }
    expect(classifySqliteError(new Error("SQLITE_FULL"))).toBeUndefined();
  });
});
