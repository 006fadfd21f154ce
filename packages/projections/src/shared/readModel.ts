import type { RecordedEvent } from "@mtc/eventstore";
import type Database from "better-sqlite3";
import type { ProjectedEvent, RecordedHeader } from "./projectedEvent.js";

/** The categories of the domain's streams: the domain models read only these, never the access log. */
export const DOMAIN_CATEGORIES = ["referral", "transfer", "blood", "mdt"] as const;

/**
 * How rows are written. `loading`: a rebuild from zero that no query reads until it is done (reads of a
 * rebuilding model answer 503, ADR 7), so side rows derivable from the main ones may be left to `finishLoad`.
 */
export interface RowsOptions {
  loading: boolean;
}

/** Reads and writes the rows of one document model inside the runner's transaction (writer connection). */
export interface DocumentRows<D> {
  get(key: string): D | null;
  /** `previous` is the row as it was before the batch (null: none), so unchanged side rows can be skipped. */
  put(key: string, document: D, previous: D | null): void;
  delete(key: string): void;
}

interface ModelBase {
  readonly name: string;
  /** Bump when `evolve`, the rows or the DDL change: the model is then rebuilt from the log at start. */
  readonly version: number;
  /** Event types it is built for; others only move its checkpoint. Omitted: every event. */
  readonly handles?: readonly string[];
  /**
   * Stream categories it reads; events of other categories only move its checkpoint. The runner reads the
   * union of its models' categories (`categoriesOf`). Omitted: every category.
   */
  readonly categories?: readonly string[];
  /** Its tables, dropped before a rebuild. */
  readonly tables: readonly string[];
  /**
   * CREATE TABLE / INDEX IF NOT EXISTS statements. A rebuild from zero creates the tables first and the
   * secondary indexes (`CREATE INDEX`) only once the load is done (`splitDdl`, ADR 7).
   */
  readonly ddl: string;
  /**
   * Runs in one transaction at the end of a rebuild whose rows were written with `{ loading: true }`, before the
   * secondary indexes are created: derives the rows the load left out (cases: institutions, search index).
   */
  finishLoad?(db: Database.Database): void;
  /** The document (or case) an event belongs to, from the header alone so that a bad event can be blamed on it. */
  keyOf(recorded: RecordedHeader): string;
}

/**
 * A model of documents (Emmett's document projections): one row per key, the document as JSON beside the
 * indexed columns its queries need. `evolve` is pure; null removes the row.
 */
export interface DocumentModel<D> extends ModelBase {
  readonly kind: "document";
  evolve(document: D | null, event: ProjectedEvent): D | null;
  rows(db: Database.Database, options?: RowsOptions): DocumentRows<D>;
  /** Runs in the batch's transaction after its rows are written (board: checkpoints for as-of). */
  afterBatch?(db: Database.Database, last: RecordedHeader): void;
  /**
   * Read at the start of a batch: whether, after this event, the model wants a batch boundary (its rows written
   * and `afterBatch` run) inside the batch, so that what `afterBatch` records does not depend on batch sizes
   * (board: a checkpoint every N events even in a rebuild's large pages).
   */
  boundaryDue?(db: Database.Database): (recorded: RecordedHeader) => boolean;
}

/** An insert-only model: one row per event (the timeline index). */
export interface RowModel extends ModelBase {
  readonly kind: "rows";
  rows(db: Database.Database, options?: RowsOptions): { insert(event: ProjectedEvent): void };
}

/**
 * An insert-only model fed the recorded events themselves (the access index): for events that are not domain
 * events, so are not read through the domain's event registry. `insert` checks the data it relies on.
 */
export interface RecordRowModel extends ModelBase {
  readonly kind: "records";
  rows(db: Database.Database, options?: RowsOptions): { insert(recorded: RecordedEvent): void };
}

// Method syntax in DocumentModel keeps `DocumentModel<Board>` assignable here.
export type ReadModel = DocumentModel<unknown> | RowModel | RecordRowModel;

/** The categories the runner must read for these models; undefined (the whole log) if one reads every category. */
export const categoriesOf = (models: readonly ReadModel[]): readonly string[] | undefined =>
  models.every((m) => m.categories !== undefined)
    ? [...new Set(models.flatMap((m) => m.categories ?? []))].sort()
    : undefined;

/** Whether the model takes events of this type. */
export const handlesType = (model: ReadModel, type: string): boolean =>
  model.handles === undefined || model.handles.includes(type);

/**
 * A model's DDL split into what a load needs (tables, virtual tables) and its secondary indexes, which a
 * rebuild from zero creates after the load: one sort per index instead of an index update per row.
 */
export const splitDdl = (ddl: string): { tables: string; indexes: string } => {
  const statements = ddl
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const isIndex = (s: string) => /^CREATE\s+(UNIQUE\s+)?INDEX\b/i.test(s);
  const join = (list: string[]) => list.map((s) => `${s};`).join("\n");
  return { tables: join(statements.filter((s) => !isIndex(s))), indexes: join(statements.filter(isIndex)) };
};
