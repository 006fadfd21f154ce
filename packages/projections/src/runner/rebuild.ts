import { existsSync, renameSync } from "node:fs";
import type { EventStore } from "@mtc/eventstore";
import Database from "better-sqlite3";
import type { ReadModel } from "../shared/readModel.js";
import { createApplier, loadSlots } from "./apply.js";
import {
  databaseBytes,
  failedCounts,
  heldByRunningService,
  modelRows,
  openReadModelDatabase,
  removeDatabase,
} from "./database.js";

export interface RebuildOptions {
  store: EventStore;
  path: string;
  /** The models the code knows (their versions and DDL). */
  models: readonly ReadModel[];
  /** Names of the models to rebuild (default: all); the others are kept as they are and catch up later. */
  only?: readonly string[];
  /** Only streams of these categories are read (`categoriesOf(models)`). Omitted: the whole log. */
  categories?: readonly string[] | undefined;
  pageSize?: number;
  onProgress?: (p: { model: string; position: number; head: number; events: number }) => void;
  signal?: AbortSignal;
}

/**
 * Rebuilds read models from the log into a temporary file beside `path`, then renames it into place; if a
 * running service holds `path` (live owner heartbeat), the result is left as `<path>.next`, which that
 * service adopts at its next start (ADR 7).
 */
export const rebuildInto = async (
  options: RebuildOptions,
): Promise<{ events: number; seconds: number; adopted: "now" | "next_start" }> => {
  const { store, path, models, categories } = options;
  const started = performance.now();
  // Larger pages than the runner's (5,000): no service shares this connection, and each page rewrites the
  // rows it touches once, so fewer pages write fewer pages (200k events: 5.0 → 4.3 s CPU).
  const pageSize = options.pageSize ?? 20_000;
  const tmp = `${path}.rebuild-${process.pid}`;
  removeDatabase(tmp);
  const only = new Set(options.only ?? models.map((m) => m.name));
  for (const name of only)
    if (!models.some((m) => m.name === name)) throw new Error(`unknown read model ${name}`);
  if (only.size < models.length && existsSync(path)) {
    // The models not rebuilt are carried over as a consistent copy (their checkpoints move with them).
    const source = new Database(path, { readonly: true, fileMustExist: true });
    try {
      source.prepare("VACUUM INTO ?").run(tmp);
    } finally {
      source.close();
    }
  }
  const { db } = openReadModelDatabase(tmp);
  let events = 0;
  try {
    // The temporary file has no reader and is thrown away if this process dies (a rerun starts from zero, ADR 7):
    // no WAL (each page was written twice, to the WAL then to the file) and no fsync while it fills.
    db.pragma("journal_mode = MEMORY");
    db.pragma("synchronous = OFF");
    db.prepare("DELETE FROM meta WHERE key = 'owner'").run();
    const head = await store.headPosition();
    const slots = loadSlots(db, models, head, only, { load: true }).filter((s) => only.has(s.model.name));
    const applier = createApplier(db, { cacheSize: 20_000, emitting: new Set() });
    let after = -1;
    for (;;) {
      if (options.signal?.aborted) throw new Error("rebuild aborted");
      const page = await store.readAll({ after, maxCount: pageSize, categories });
      applier.apply(slots, page);
      events += page.length;
      const last = page.at(-1);
      if (last) after = last.position;
      for (const slot of slots)
        options.onProgress?.({ model: slot.model.name, position: after, head, events });
      if (page.length < pageSize) break;
    }
    for (const slot of slots) applier.ready(slot);
    // Handed over as the runner opens it: in WAL mode, synced once.
    db.pragma("synchronous = NORMAL");
    db.pragma("journal_mode = WAL");
    db.pragma("wal_checkpoint(TRUNCATE)");
  } catch (error) {
    db.close();
    removeDatabase(tmp);
    throw error;
  }
  db.close();
  let adopted: "now" | "next_start";
  if (heldByRunningService(path)) {
    removeDatabase(`${path}.next`);
    renameSync(tmp, `${path}.next`);
    adopted = "next_start";
  } else {
    // The old WAL must not be replayed into the new file: remove the old file with its side files first.
    removeDatabase(path);
    renameSync(tmp, path);
    adopted = "now";
  }
  return { events, seconds: (performance.now() - started) / 1000, adopted };
};

export interface ReadModelFileStatus {
  exists: boolean;
  models: {
    name: string;
    version: number;
    codeVersion: number;
    state: string;
    checkpoint: number;
    progress?: number;
    failedDocuments: number;
  }[];
  bytes: number;
}

/** What a read-model file holds, read without disturbing a service that has it open. */
export const statusOf = (path: string, models: readonly ReadModel[]): ReadModelFileStatus => {
  if (!existsSync(path)) return { exists: false, models: [], bytes: 0 };
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const failed = failedCounts(db);
    return {
      exists: true,
      bytes: databaseBytes(path),
      models: modelRows(db).map((row) => ({
        name: row.name,
        version: row.version,
        codeVersion: models.find((m) => m.name === row.name)?.version ?? -1,
        state: row.state,
        checkpoint: row.checkpoint,
        ...(row.state === "rebuilding" && row.rebuild_head > 0
          ? { progress: Math.min(1, Math.max(0, row.checkpoint) / row.rebuild_head) }
          : {}),
        failedDocuments: failed.get(row.name) ?? 0,
      })),
    };
  } finally {
    db.close();
  }
};

/**
 * Every row of every model table (and the failed documents), sorted, for comparing two files row for row.
 * Board checkpoints are left out: where they fall depends on batch boundaries, their content does not.
 */
export const dumpReadModels = (path: string, models: readonly ReadModel[]): Record<string, unknown[]> => {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const out: Record<string, unknown[]> = {};
    for (const table of models.flatMap((m) => m.tables)) {
      if (table === "board_checkpoints") continue;
      const rows = db.prepare(`SELECT * FROM ${table}`).all();
      // Sorted in JS on the whole row: tables differ in their columns (the search index has one).
      out[table] = rows
        .map((row) => JSON.stringify(row))
        .sort()
        .map((row) => JSON.parse(row) as unknown);
    }
    out.failed_documents = db.prepare("SELECT * FROM failed_documents ORDER BY 1, 2").all();
    out.checkpoints = db.prepare("SELECT name, version, checkpoint FROM models ORDER BY name").all();
    return out;
  } finally {
    db.close();
  }
};
