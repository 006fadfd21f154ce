import type { RecordedEvent } from "@mtc/eventstore";
import type Database from "better-sqlite3";
import type { ProjectedEvent, RecordedHeader } from "./projectedEvent.js";

/** The categories of the domain's streams: the domain models read only these, never the access log. */
export const DOMAIN_CATEGORIES = ["referral", "transfer", "blood", "mdt"] as const;

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
  /** CREATE TABLE / INDEX IF NOT EXISTS statements. */
  readonly ddl: string;
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
  rows(db: Database.Database): DocumentRows<D>;
  /** Runs in the batch's transaction after its rows are written. */
  afterBatch?(db: Database.Database, last: RecordedHeader): void;
  /**
   * Snapshots of the whole model taken along the log (board: for as-of). The applier asks after every event it
   * applies, so where they fall depends on the log alone, not on how it was cut into batches (a rebuild's
   * batches are 20,000 events long).
   */
  snapshots?: ModelSnapshots;
}

export interface SnapshotMark {
  position: number;
  recordedAt: string;
}

export interface ModelSnapshots {
  /** The latest snapshot in the file, read once per batch. */
  latest(db: Database.Database): SnapshotMark | undefined;
  due(latest: SnapshotMark | undefined, event: RecordedHeader): boolean;
  /** Called with every document of the model written: the snapshot as of `event`. */
  take(db: Database.Database, event: RecordedHeader): void;
}

/** An insert-only model: one row per event (the timeline index). */
export interface RowModel extends ModelBase {
  readonly kind: "rows";
  rows(db: Database.Database): { insert(event: ProjectedEvent): void };
}

/**
 * An insert-only model fed the recorded events themselves (the access index): for events that are not domain
 * events, so are not read through the domain's event registry. `insert` checks the data it relies on.
 */
export interface RecordRowModel extends ModelBase {
  readonly kind: "records";
  rows(db: Database.Database): { insert(recorded: RecordedEvent): void };
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
