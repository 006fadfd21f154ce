import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { ReadModel } from "../shared/readModel.js";

/** The read-model file of one service instance, beside the event log. */
export function readModelFile(dataDir: string, instanceId: string): string {
  return join(dataDir, `readmodels-${instanceId}.db`);
}

export type ModelState = "ready" | "catching_up" | "rebuilding" | "failed";

export interface ModelRow {
  name: string;
  version: number;
  checkpoint: number;
  state: ModelState;
  /** The log head when a rebuild began: progress is checkpoint / head. */
  rebuild_head: number;
}

const META_DDL = `
CREATE TABLE IF NOT EXISTS models (
  name TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  checkpoint INTEGER NOT NULL,
  state TEXT NOT NULL,
  rebuild_head INTEGER NOT NULL DEFAULT -1
);
CREATE TABLE IF NOT EXISTS failed_documents (
  model TEXT NOT NULL,
  key TEXT NOT NULL,
  position INTEGER NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (model, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

const CORRUPT_CODES = new Set([
  "SQLITE_CORRUPT",
  "SQLITE_NOTADB",
  "SQLITE_CORRUPT_INDEX",
  "SQLITE_CORRUPT_VTAB",
]);
export const isCorruption = (error: unknown): boolean =>
  typeof error === "object" &&
  error !== null &&
  CORRUPT_CODES.has(String((error as { code?: unknown }).code));

const SIDE_FILES = ["-wal", "-shm"];

/** Removes a database file and its WAL side files. */
export const removeDatabase = (path: string): void => {
  for (const suffix of ["", ...SIDE_FILES]) rmSync(`${path}${suffix}`, { force: true });
};

/** Bytes on disk of a database and its WAL. */
export const databaseBytes = (path: string): number =>
  ["", "-wal"].reduce(
    (sum, suffix) => sum + (existsSync(`${path}${suffix}`) ? statSync(`${path}${suffix}`).size : 0),
    0,
  );

export const WAL_CHECKPOINT_BYTES = 16 * 1024 * 1024;

/** The writer's automatic checkpoint, in pages: what it falls back to when no background checkpointer runs. */
export const autocheckpointPages = (db: Database.Database): number =>
  WAL_CHECKPOINT_BYTES / Number(db.pragma("page_size", { simple: true }));

const openWriter = (path: string): Database.Database => {
  const db = new Database(path);
  try {
    db.pragma("busy_timeout = 5000");
    // For a new file only (a file keeps the page size it was made with). Each batch writes every page it touched
    // to the WAL, and the timeline's and the documents' keys are spread over the whole file: 8 KiB pages wrote
    // fewer, larger WAL frames (runner rebuild from zero, 200k events: ≈ 4.5 → 4.1–4.6 s CPU).
    db.pragma("page_size = 8192");
    db.pragma("journal_mode = WAL");
    // Everything here is rebuildable from the log (ADR 7): a power cut may lose the last batches, never
    // the file's consistency, and the runner replays them from the checkpoint that survived.
    db.pragma("synchronous = NORMAL");
    // Bounded memory (ADR 7): a 64 MiB page cache and a WAL checkpointed every 16 MiB, whatever the page size.
    db.pragma("cache_size = -65536");
    db.pragma(`wal_autocheckpoint = ${autocheckpointPages(db)}`);
    db.exec(META_DDL);
    db.prepare("SELECT count(*) FROM models").get();
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
};

export interface OpenedDatabase {
  db: Database.Database;
  /** Why a fresh file was started, if one was. */
  fresh?: "missing" | "corrupt";
  movedAside?: string;
}

/**
 * Opens (or creates) the read-model file. A file that is not a database or is corrupt is moved aside as
 * `<path>.corrupt-<timestamp>` and a fresh one started: the log rebuilds it.
 */
export const openReadModelDatabase = (path: string, now: () => Date = () => new Date()): OpenedDatabase => {
  const missing = !existsSync(path);
  try {
    const db = openWriter(path);
    return missing ? { db, fresh: "missing" } : { db };
  } catch (error) {
    if (!isCorruption(error)) throw error;
    const aside = `${path}.corrupt-${now().toISOString().replace(/[:.]/g, "-")}`;
    renameSync(path, aside);
    for (const suffix of SIDE_FILES)
      if (existsSync(`${path}${suffix}`)) renameSync(`${path}${suffix}`, `${aside}${suffix}`);
    return { db: openWriter(path), fresh: "corrupt", movedAside: aside };
  }
};

/**
 * Drops and recreates a model's tables (`ddl`: the whole DDL, or its tables only for a load that creates the
 * indexes at its end), forgets its failed documents and resets its checkpoint.
 */
export const resetModel = (
  db: Database.Database,
  model: ReadModel,
  head: number,
  ddl: string = model.ddl,
): void => {
  db.transaction(() => {
    for (const table of model.tables) db.exec(`DROP TABLE IF EXISTS ${table}`);
    db.exec(ddl);
    db.prepare("DELETE FROM failed_documents WHERE model = ?").run(model.name);
    db.prepare(
      "INSERT OR REPLACE INTO models (name, version, checkpoint, state, rebuild_head) VALUES (?, ?, -1, 'rebuilding', ?)",
    ).run(model.name, model.version, head);
  })();
};

export const modelRows = (db: Database.Database): ModelRow[] =>
  db.prepare<[], ModelRow>("SELECT name, version, checkpoint, state, rebuild_head FROM models").all();

export const failedCounts = (db: Database.Database): Map<string, number> =>
  new Map(
    db
      .prepare<[], { model: string; n: number }>(
        "SELECT model, count(*) AS n FROM failed_documents GROUP BY model",
      )
      .all()
      .map((r) => [r.model, r.n]),
  );

/** The owner's pid and heartbeat: a rebuild must not replace a file a live service holds open. */
export const OWNER_HEARTBEAT_MS = 2_000;
const OWNER_STALE_MS = 5 * OWNER_HEARTBEAT_MS;

export const writeHeartbeat = (db: Database.Database): void => {
  // Wall time on purpose: liveness between processes, not a domain instant (the injected clock may be fixed).
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('owner', ?)").run(
    JSON.stringify({ pid: process.pid, heartbeatAt: Date.now() }),
  );
};

export const clearHeartbeat = (db: Database.Database): void => {
  db.prepare("DELETE FROM meta WHERE key = 'owner'").run();
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
};

/** Whether a live service (this process included) holds this read-model file, by its heartbeat. */
export const heldByRunningService = (path: string): boolean => {
  if (!existsSync(path)) return false;
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const value = db.prepare<[], string>("SELECT value FROM meta WHERE key = 'owner'").pluck().get();
    if (value === undefined) return false;
    const owner = JSON.parse(value) as { pid: number; heartbeatAt: number };
    return alive(owner.pid) && Date.now() - owner.heartbeatAt < OWNER_STALE_MS;
  } catch {
    return false;
  } finally {
    db?.close();
  }
};
