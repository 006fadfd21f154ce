import { transferEventSchemas } from "@mtc/domain";
import type Database from "better-sqlite3";
import { DOMAIN_CATEGORIES, type DocumentModel } from "../shared/readModel.js";
import { evolveTransferRecord } from "./evolve.js";
import {
  type CompletenessFilter,
  type CompletenessOptions,
  completenessOf,
  type TransferCompleteness,
} from "./query.js";
import type { TransferRecord } from "./state.js";

export * from "./evolve.js";
export * from "./query.js";
export * from "./state.js";

// A rowid table, as the cases: records lie in the order transfers were requested, so a batch writes the recent
// ones together at the file's end instead of pages all over it (ADR 7). Keyed by case, then stream: case ids
// begin with their year, so a batch's new keys land in the current year's part of the key index. Keyed by the
// stream id alone (random), they landed all over an index that grows with the years: the runner's rebuild of
// this model wrote 2.8× as much at 2,000,000 events as at 1,000,000 (2.4× keyed so), and 7.4 GB at 10,000,000
// (3.8 GB keyed so).
const DDL = `
CREATE TABLE IF NOT EXISTS transfer_records (
  stream_id TEXT NOT NULL,
  transfer_id TEXT NOT NULL,
  case_id TEXT NOT NULL,
  origin_institution_id TEXT NOT NULL,
  destination_institution_id TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  doc TEXT NOT NULL,
  PRIMARY KEY (case_id, stream_id)
);
CREATE INDEX IF NOT EXISTS transfer_records_by_stream ON transfer_records (stream_id);
CREATE INDEX IF NOT EXISTS transfer_records_by_transfer ON transfer_records (transfer_id);
CREATE INDEX IF NOT EXISTS transfer_records_by_origin ON transfer_records (origin_institution_id, requested_at);
CREATE INDEX IF NOT EXISTS transfer_records_by_destination ON transfer_records (destination_institution_id, requested_at);
CREATE INDEX IF NOT EXISTS transfer_records_by_requested ON transfer_records (requested_at);
`;

/** Between the case and the stream in a record's key: no id contains it (`ID_PATTERN`, `CASE_ID_PATTERN`). */
const KEY_SEPARATOR = "/";

const partsOf = (key: string): [caseId: string, streamId: string] => {
  const at = key.indexOf(KEY_SEPARATOR);
  return [key.slice(0, at), key.slice(at + 1)];
};

/** Transfer record completeness, 000 §十二(十), R-TRF-8: one row per transfer. */
export const completenessModel: DocumentModel<TransferRecord> = {
  kind: "document",
  name: "completeness",
  categories: DOMAIN_CATEGORIES,
  // 4: keyed by (case, stream) instead of the stream alone.
  version: 4,
  handles: Object.keys(transferEventSchemas),
  tables: ["transfer_records"],
  ddl: DDL,
  // The case comes from the event's metadata, which every event of a transfer carries: the key is known before
  // the record is read.
  keyOf: (recorded) => `${recorded.metadata.caseId}${KEY_SEPARATOR}${recorded.streamId}`,
  evolve: evolveTransferRecord,
  rows: (db) => {
    const select = db
      .prepare<[string, string], string>(
        "SELECT doc FROM transfer_records WHERE case_id = ? AND stream_id = ?",
      )
      .pluck();
    const upsert = db.prepare(
      // Updated in place: only the indexes whose columns changed are touched (REPLACE rewrites all).
      `INSERT INTO transfer_records (case_id, stream_id, transfer_id, origin_institution_id,
         destination_institution_id, requested_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (case_id, stream_id) DO UPDATE SET transfer_id = excluded.transfer_id,
         origin_institution_id = excluded.origin_institution_id,
         destination_institution_id = excluded.destination_institution_id,
         requested_at = excluded.requested_at, doc = excluded.doc`,
    );
    // A record whose indexed columns are unchanged (most events) rewrites only its document, not the five indexes.
    const touch = db.prepare("UPDATE transfer_records SET doc = ? WHERE case_id = ? AND stream_id = ?");
    const remove = db.prepare("DELETE FROM transfer_records WHERE case_id = ? AND stream_id = ?");
    return {
      get: (key) => {
        const doc = select.get(...partsOf(key));
        return doc === undefined ? null : (JSON.parse(doc) as TransferRecord);
      },
      put: (key, r, previous) => {
        const [caseId, streamId] = partsOf(key);
        if (
          previous !== null &&
          previous.transferId === r.transferId &&
          previous.originInstitutionId === r.originInstitutionId &&
          previous.destinationInstitutionId === r.destinationInstitutionId &&
          previous.requestedAt === r.requestedAt
        ) {
          touch.run(JSON.stringify(r), caseId, streamId);
          return;
        }
        upsert.run(
          caseId,
          streamId,
          r.transferId,
          r.originInstitutionId,
          r.destinationInstitutionId,
          r.requestedAt,
          JSON.stringify(r),
        );
      },
      delete: (key) => {
        remove.run(...partsOf(key));
      },
    };
  },
};

/** Completeness queries over the read-only connection. */
export const completenessQueries = (db: Database.Database) => {
  const byStream = db
    .prepare<[string], string>("SELECT doc FROM transfer_records WHERE stream_id = ?")
    .pluck();
  return {
    /** The record of one transfer, by its stream id. */
    record: (streamId: string): TransferRecord | undefined => {
      const doc = byStream.get(streamId);
      return doc === undefined ? undefined : (JSON.parse(doc) as TransferRecord);
    },
    /** Completeness of the transfers matching the filter, oldest request first. */
    list: (options: CompletenessOptions, filter: CompletenessFilter = {}): TransferCompleteness[] => {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (filter.caseId !== undefined) {
        where.push("case_id = ?");
        params.push(filter.caseId);
      }
      if (filter.institutionId !== undefined) {
        where.push(
          "stream_id IN (SELECT stream_id FROM transfer_records WHERE origin_institution_id = ? UNION SELECT stream_id FROM transfer_records WHERE destination_institution_id = ?)",
        );
        params.push(filter.institutionId, filter.institutionId);
      }
      const sql = `SELECT doc FROM transfer_records ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY requested_at`;
      const limit = filter.limit ?? 1_000;
      const out: TransferCompleteness[] = [];
      for (const doc of db
        .prepare<(string | number)[], string>(sql)
        .pluck()
        .iterate(...params)) {
        const c = completenessOf(JSON.parse(doc) as TransferRecord, options);
        if (filter.incompleteOnly && c.complete) continue;
        out.push(c);
        if (out.length >= limit) break;
      }
      return out;
    },
  };
};

export type { TransferRecord };
