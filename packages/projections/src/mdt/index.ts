import { type MdtStatus, mdtEventSchemas } from "@mtc/domain";
import type Database from "better-sqlite3";
import { DOMAIN_CATEGORIES, type DocumentModel } from "../shared/readModel.js";
import { evolveMdtRecord } from "./evolve.js";
import type { MdtRecord } from "./state.js";

export * from "./evolve.js";
export * from "./state.js";
export * from "./view.js";

const DDL = `
CREATE TABLE IF NOT EXISTS mdt_activations (
  stream_id TEXT PRIMARY KEY,
  mdt_id TEXT NOT NULL,
  case_id TEXT NOT NULL,
  hospital_id TEXT NOT NULL,
  status TEXT NOT NULL,
  opened_at TEXT NOT NULL,
  doc TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mdt_by_case ON mdt_activations (case_id);
CREATE INDEX IF NOT EXISTS mdt_by_id ON mdt_activations (mdt_id);
CREATE INDEX IF NOT EXISTS mdt_open_by_hospital ON mdt_activations (hospital_id, opened_at) WHERE status <> 'stood_down';
CREATE INDEX IF NOT EXISTS mdt_by_hospital ON mdt_activations (hospital_id, opened_at);
`;

/**
 * MDT activations (000 §十六), one row per `mdt-<id>` stream: the medical-affairs queue (open activations of a
 * hospital) and the auditor's MDT section of completeness. The MDT section is this model read through `mdtView`
 * (calls, arrivals and acknowledgements against the hospital's targets), not a column of the transfer
 * completeness model: an MDT need not have a transfer, and the targets are configuration that may change.
 */
export const mdtModel: DocumentModel<MdtRecord> = {
  kind: "document",
  name: "mdt",
  categories: DOMAIN_CATEGORIES,
  version: 1,
  handles: Object.keys(mdtEventSchemas),
  tables: ["mdt_activations"],
  ddl: DDL,
  keyOf: (recorded) => recorded.streamId,
  evolve: evolveMdtRecord,
  rows: (db) => {
    const select = db
      .prepare<[string], string>("SELECT doc FROM mdt_activations WHERE stream_id = ?")
      .pluck();
    const upsert = db.prepare(
      `INSERT INTO mdt_activations (stream_id, mdt_id, case_id, hospital_id, status, opened_at, doc)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (stream_id) DO UPDATE SET status = excluded.status, doc = excluded.doc`,
    );
    const remove = db.prepare("DELETE FROM mdt_activations WHERE stream_id = ?");
    return {
      get: (key) => {
        const doc = select.get(key);
        return doc === undefined ? null : (JSON.parse(doc) as MdtRecord);
      },
      put: (key, r) => {
        upsert.run(key, r.mdtId, r.caseId, r.hospitalId, r.status, r.openedAt, JSON.stringify(r));
      },
      delete: (key) => {
        remove.run(key);
      },
    };
  },
};

export interface MdtFilter {
  hospitalId?: string | undefined;
  caseId?: string | undefined;
  openOnly?: boolean | undefined;
  limit?: number | undefined;
}

/** MDT queries over the read-only connection. */
export const mdtQueries = (db: Database.Database) => {
  const byId = db.prepare<[string], string>("SELECT doc FROM mdt_activations WHERE mdt_id = ?").pluck();
  const latestStatusOfCase = db
    .prepare<[string], MdtStatus>(
      "SELECT status FROM mdt_activations WHERE case_id = ? ORDER BY opened_at DESC, stream_id DESC LIMIT 1",
    )
    .pluck();
  return {
    record: (mdtId: string): MdtRecord | undefined => {
      const doc = byId.get(mdtId);
      return doc === undefined ? undefined : (JSON.parse(doc) as MdtRecord);
    },
    /** The MDT status of a case for the board: its latest activation's. */
    statusOfCase: (caseId: string): Exclude<MdtStatus, "none"> | null =>
      (latestStatusOfCase.get(caseId) as Exclude<MdtStatus, "none"> | undefined) ?? null,
    /** Oldest first. */
    list: (filter: MdtFilter = {}): MdtRecord[] => {
      const where: string[] = [];
      const params: string[] = [];
      if (filter.hospitalId !== undefined) {
        where.push("hospital_id = ?");
        params.push(filter.hospitalId);
      }
      if (filter.caseId !== undefined) {
        where.push("case_id = ?");
        params.push(filter.caseId);
      }
      if (filter.openOnly) where.push("status <> 'stood_down'");
      const sql = `SELECT doc FROM mdt_activations ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY opened_at LIMIT ${Math.max(1, Math.min(filter.limit ?? 500, 1_000))}`;
      return db
        .prepare<string[], string>(sql)
        .pluck()
        .all(...params)
        .map((doc) => JSON.parse(doc) as MdtRecord);
    },
  };
};
