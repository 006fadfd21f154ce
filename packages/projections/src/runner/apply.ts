import { categoryOf, type RecordedEvent } from "@mtc/eventstore";
import Database from "better-sqlite3";
import { type ProjectResult, toProjectedEvent } from "../shared/projectedEvent.js";
import { type DocumentRows, type ReadModel, splitDdl } from "../shared/readModel.js";
import { type ModelRow, type ModelState, resetModel } from "./database.js";

/** One model inside the runner: where it stands and what it failed on. */
export interface Slot {
  model: ReadModel;
  handles: ReadonlySet<string> | undefined;
  categories: ReadonlySet<string> | undefined;
  checkpoint: number;
  state: ModelState;
  rebuildHead: number;
  /**
   * A rebuild that loads rows without secondary indexes (and without the side rows the model derives at the
   * end); `applier.ready` finishes it. Only while no query reads the model (it answers 503 while rebuilding).
   */
  loading: boolean;
  failure?: string | undefined;
  failedDocuments: number;
  /** Keys of the documents that failed; they take no more events (bounded by the failures, not the log). */
  failedKeys: Set<string>;
  rows:
    | DocumentRows<unknown>
    | { insert(event: import("../shared/projectedEvent.js").ProjectedEvent): void }
    | { insert(recorded: RecordedEvent): void };
}

/** A document's change in a committed batch: before and after the batch, and the last position that touched it. */
export interface DocumentChange {
  key: string;
  before: unknown;
  after: unknown;
  position: number;
}

interface Entry {
  before: unknown;
  doc: unknown;
  position: number;
  dirty: boolean;
}

/**
 * Loads a slot for each model from the file's meta table, resetting (for a rebuild) those whose version changed.
 * With `load`, a model to rebuild gets its tables without their secondary indexes and writes its rows in
 * loading mode; the indexes are created once, sorted, when `applier.ready` ends the rebuild (ADR 7).
 */
export const loadSlots = (
  db: Database.Database,
  models: readonly ReadModel[],
  head: number,
  forceRebuild: ReadonlySet<string> = new Set(),
  { load = false }: { load?: boolean } = {},
): Slot[] => {
  const rows = new Map<string, ModelRow>(
    db
      .prepare<[], ModelRow>("SELECT name, version, checkpoint, state, rebuild_head FROM models")
      .all()
      .map((r) => [r.name, r]),
  );
  const failedKeys = db.prepare<[string], string>("SELECT key FROM failed_documents WHERE model = ?").pluck();
  return models.map((model) => {
    const row = rows.get(model.name);
    const rebuild = !row || row.version !== model.version || forceRebuild.has(model.name);
    const loading = load && (rebuild || row?.state === "rebuilding");
    const ddl = loading ? splitDdl(model.ddl).tables : model.ddl;
    if (rebuild) resetModel(db, model, head, ddl);
    else db.exec(ddl);
    const keys = rebuild ? new Set<string>() : new Set(failedKeys.all(model.name));
    return {
      model,
      handles: model.handles ? new Set(model.handles) : undefined,
      categories: model.categories ? new Set(model.categories) : undefined,
      checkpoint: rebuild ? -1 : (row?.checkpoint ?? -1),
      state: rebuild || row?.state === "rebuilding" ? "rebuilding" : "catching_up",
      rebuildHead: rebuild ? head : (row?.rebuild_head ?? -1),
      loading,
      failedDocuments: keys.size,
      failedKeys: keys,
      rows: model.rows(db, { loading }),
    };
  });
};

/** Errors of the database itself (full disk, I/O, corruption) fail the batch; anything else fails one document. */
const isDatabaseFailure = (error: unknown): boolean =>
  error instanceof Database.SqliteError && !error.code.startsWith("SQLITE_CONSTRAINT");

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export interface Applier {
  /**
   * Applies events (in log order) to the slots and moves their checkpoints, all in one transaction: a crash
   * leaves every model exactly at a checkpoint. Returns the changes of the models in `emitting`.
   */
  apply(slots: readonly Slot[], events: readonly RecordedEvent[]): Map<string, DocumentChange[]>;
  /** Records a model's state (ready, rebuilding …) in the file. */
  setState(slot: Slot, state: ModelState): void;
  /**
   * Ends a catch-up or rebuild: a load's side rows are derived (`finishLoad`) and its secondary indexes
   * created, in one transaction with the state `ready`.
   */
  ready(slot: Slot): void;
}

export const createApplier = (
  db: Database.Database,
  {
    cacheSize,
    emitting,
    onFailure,
  }: {
    cacheSize: number;
    emitting: ReadonlySet<string>;
    onFailure?: (model: string, key: string, position: number, reason: string) => void;
  },
): Applier => {
  const saveFailure = db.prepare(
    "INSERT OR REPLACE INTO failed_documents (model, key, position, reason) VALUES (?, ?, ?, ?)",
  );
  const saveCheckpoint = db.prepare("UPDATE models SET checkpoint = ? WHERE name = ?");
  const saveState = db.prepare("UPDATE models SET state = ? WHERE name = ?");

  const fail = (slot: Slot, key: string, position: number, reason: string): void => {
    saveFailure.run(slot.model.name, key, position, reason);
    slot.failedKeys.add(key);
    slot.failedDocuments = slot.failedKeys.size;
    onFailure?.(slot.model.name, key, position, reason);
  };

  /**
   * Writes the cache's changed documents. With `keep`, the documents stay cached as written (a boundary inside
   * a batch: the next events of the batch find them without reading and parsing their rows again); else the
   * cache is emptied (the batch's end, or the cache at its bound).
   */
  const flush = (
    slot: Slot,
    cache: Map<string, Entry>,
    changes: DocumentChange[] | undefined,
    keep = false,
  ): void => {
    const rows = slot.rows as DocumentRows<unknown>;
    for (const [key, entry] of cache) {
      if (!entry.dirty) continue;
      if (entry.doc === null) {
        if (entry.before !== null) rows.delete(key);
      } else rows.put(key, entry.doc, entry.before);
      if (changes && entry.before !== entry.doc)
        changes.push({ key, before: entry.before, after: entry.doc, position: entry.position });
      if (keep) {
        entry.before = entry.doc;
        entry.dirty = false;
      }
    }
    if (!keep) cache.clear();
  };

  const run = db.transaction((slots: readonly Slot[], events: readonly RecordedEvent[]) => {
    const caches = slots.map(() => new Map<string, Entry>());
    const boundaries = slots.map((slot) =>
      slot.model.kind === "document" ? slot.model.boundaryDue?.(db) : undefined,
    );
    const changes = new Map<string, DocumentChange[]>();
    // A rebuilding model's changes are not emitted, so not collected either.
    for (const slot of slots)
      if (emitting.has(slot.model.name) && slot.state !== "rebuilding") changes.set(slot.model.name, []);
    for (const recorded of events) {
      let parsed: ProjectResult | undefined;
      const category = categoryOf(recorded.streamId);
      for (let i = 0; i < slots.length; i++) {
        const slot = slots[i] as Slot;
        if (recorded.position <= slot.checkpoint) continue;
        if (slot.categories && !slot.categories.has(category)) continue;
        if (slot.handles && !slot.handles.has(recorded.type)) continue;
        const key = slot.model.keyOf(recorded);
        if (slot.failedKeys.has(key)) continue;
        if (slot.model.kind === "records") {
          // Not domain events: the model reads the recorded data itself, so the domain parse is skipped.
          try {
            (slot.rows as { insert(e: RecordedEvent): void }).insert(recorded);
          } catch (error) {
            if (isDatabaseFailure(error)) throw error;
            fail(slot, key, recorded.position, reasonOf(error));
          }
          continue;
        }
        parsed ??= toProjectedEvent(recorded);
        if (!parsed.ok) {
          fail(slot, key, recorded.position, parsed.reason);
          continue;
        }
        const model = slot.model;
        if (model.kind === "rows") {
          try {
            (slot.rows as { insert(e: unknown): void }).insert(parsed.projected);
          } catch (error) {
            if (isDatabaseFailure(error)) throw error;
            fail(slot, key, recorded.position, reasonOf(error));
          }
          continue;
        }
        const cache = caches[i] as Map<string, Entry>;
        let entry = cache.get(key);
        if (!entry) {
          const doc = (slot.rows as DocumentRows<unknown>).get(key);
          entry = { before: doc, doc, position: recorded.position, dirty: false };
          cache.set(key, entry);
        }
        try {
          entry.doc = model.evolve(entry.doc, parsed.projected);
          entry.position = recorded.position;
          entry.dirty = true;
        } catch (error) {
          fail(slot, key, recorded.position, `evolve threw: ${reasonOf(error)}`);
        }
        // The write-behind cache is bounded: past its size, documents are written now (same transaction).
        if (cache.size >= cacheSize) flush(slot, cache, changes.get(model.name));
        const due = boundaries[i];
        if (due?.(recorded)) {
          // A boundary the model asked for, as if the batch ended here (board checkpoints every N events).
          flush(slot, cache, changes.get(model.name), true);
          model.afterBatch?.(db, recorded);
          boundaries[i] = model.boundaryDue?.(db);
        }
      }
    }
    const last = events.at(-1);
    if (!last) return changes;
    slots.forEach((slot, i) => {
      if (last.position <= slot.checkpoint) return;
      if (slot.model.kind === "document") {
        flush(slot, caches[i] as Map<string, Entry>, changes.get(slot.model.name));
        slot.model.afterBatch?.(db, last);
      }
      saveCheckpoint.run(last.position, slot.model.name);
    });
    return changes;
  });

  return {
    apply: (slots, events) => {
      const last = events.at(-1);
      if (!last) return new Map();
      const changes = run(slots, events);
      // Only once committed: the in-memory checkpoints follow the file.
      for (const slot of slots) slot.checkpoint = Math.max(slot.checkpoint, last.position);
      for (const list of changes.values()) list.sort((a, b) => a.position - b.position);
      return changes;
    },
    setState: (slot, state) => {
      saveState.run(state, slot.model.name);
      slot.state = state;
    },
    ready: (slot) => {
      const { model } = slot;
      db.transaction(() => {
        if (slot.loading) {
          model.finishLoad?.(db);
          db.exec(splitDdl(model.ddl).indexes);
        }
        saveState.run("ready", model.name);
      })();
      slot.state = "ready";
      if (slot.loading) {
        slot.loading = false;
        slot.rows = model.rows(db, { loading: false });
      }
    },
  };
};
