import type { PatientIdentity, PatientKind, RiskGrade } from "@mtc/domain";
import type Database from "better-sqlite3";
import type { ProjectedEvent } from "../shared/projectedEvent.js";
import { DOMAIN_CATEGORIES, type DocumentModel } from "../shared/readModel.js";

/** One case (a woman or newborn followed across referrals and transfers), for finding it again. */
export interface CaseSummary {
  caseId: string;
  patient: PatientIdentity;
  patientKind: PatientKind;
  /** The latest grade given in any of its referrals or transfers. */
  riskGrade: RiskGrade;
  /** Every institution that sent, received or was redirected to. */
  institutionIds: string[];
  openedAt: string;
  lastEventAt: string;
  referralIds: string[];
  transferIds: string[];
}

/** The list with the value added at its end, or the same list when there is nothing to add. */
const withOnce = (list: string[], value: string | undefined): string[] =>
  value === undefined || list.includes(value) ? list : [...list, value];

/** The list with both values added (each once), in order. A plain function, not a closure made per event. */
const withTwo = (list: string[], a: string | undefined, b: string | undefined): string[] =>
  withOnce(withOnce(list, a), b);

/**
 * Case registry reducer over one case (keyed by metadata.caseId). Pure: the summary given is never changed;
 * its lists are shared with the result until one of them changes (most events change only lastEventAt).
 */
export const evolveCase = (known: CaseSummary | null, { event, recorded }: ProjectedEvent): CaseSummary => {
  const summary: CaseSummary = known
    ? { ...known, lastEventAt: recorded.recordedAt }
    : {
        caseId: recorded.metadata.caseId,
        patient: { name: "" },
        patientKind: "maternal",
        riskGrade: "green",
        institutionIds: [],
        openedAt: event.data.occurredAt,
        lastEventAt: recorded.recordedAt,
        referralIds: [],
        transferIds: [],
      };
  switch (event.type) {
    case "ReferralRequested":
      summary.patient = event.data.patient;
      summary.patientKind = event.data.patientKind;
      summary.riskGrade = event.data.riskGrade;
      summary.referralIds = withOnce(summary.referralIds, event.data.referralId);
      summary.institutionIds = withTwo(
        summary.institutionIds,
        event.data.fromInstitutionId,
        event.data.toInstitutionId,
      );
      break;
    case "OffProtocolArrivalRegistered":
      summary.patient = event.data.patient;
      summary.patientKind = event.data.patientKind;
      summary.riskGrade = event.data.riskGrade;
      summary.referralIds = withOnce(summary.referralIds, event.data.referralId);
      summary.institutionIds = withTwo(
        summary.institutionIds,
        event.data.fromInstitutionId,
        event.data.institutionId,
      );
      break;
    case "TransferRequested":
      summary.patientKind = event.data.patientKind;
      summary.riskGrade = event.data.riskGrade;
      if (!summary.patient.name) summary.patient = event.data.patient;
      summary.transferIds = withOnce(summary.transferIds, event.data.transferId);
      summary.institutionIds = withTwo(
        summary.institutionIds,
        event.data.originInstitutionId,
        event.data.destinationInstitutionId,
      );
      break;
    case "ReferralRedirected":
    case "TransferDiverted":
      summary.institutionIds = withOnce(summary.institutionIds, event.data.toInstitutionId);
      break;
    default:
      break;
  }
  return summary;
};

// Names are searched by prefix (an index range: LIKE 'x%' over a NOCASE index; an infix search would scan every
// case). Case ids, which people read out by their random tail (JC-2026-7KX3F9 → "7kx3f9"), are searched by
// any part of three characters or more through a trigram index (SQLite FTS5), by prefix when shorter.
// ID-card numbers are matched exactly.
// A rowid table: the documents lie in the order the cases were opened, so a batch of events (recent cases) writes
// a few pages at the file's end; keyed by the random case id (WITHOUT ROWID) it rewrote pages all over the table
// (runner rebuild, 1,000,000 events: ADR 7). The key's own index stays small.
const DDL = `
CREATE TABLE IF NOT EXISTS cases (
  case_id TEXT NOT NULL PRIMARY KEY,
  patient_name TEXT NOT NULL,
  id_card_number TEXT,
  opened_at TEXT NOT NULL,
  last_event_at TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_by_id_prefix ON cases (case_id COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS cases_by_name ON cases (patient_name COLLATE NOCASE);
CREATE INDEX IF NOT EXISTS cases_by_id_card ON cases (id_card_number) WHERE id_card_number IS NOT NULL;
CREATE INDEX IF NOT EXISTS cases_by_opened ON cases (opened_at);
-- Most recent first, the case id breaking ties, so that a page can continue after its last row (keyset paging).
CREATE INDEX IF NOT EXISTS cases_by_recency ON cases (last_event_at, case_id);
CREATE TABLE IF NOT EXISTS case_institutions (
  case_id TEXT NOT NULL,
  institution_id TEXT NOT NULL,
  -- The case's last event, copied here so that "an institution's cases, most recent first" is one index walk.
  last_event_at TEXT NOT NULL,
  PRIMARY KEY (case_id, institution_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS case_institutions_by_recency ON case_institutions (institution_id, last_event_at, case_id);
CREATE VIRTUAL TABLE IF NOT EXISTS case_id_search USING fts5(case_id, tokenize = 'trigram', detail = none);
`;

export const casesModel: DocumentModel<CaseSummary> = {
  kind: "document",
  name: "cases",
  categories: DOMAIN_CATEGORIES,
  // 5: recency indexes end with the case id, for keyset paging.
  version: 5,
  tables: ["cases", "case_institutions", "case_id_search"],
  ddl: DDL,
  keyOf: (recorded) => recorded.metadata.caseId,
  evolve: evolveCase,
  rows: (db, options) => {
    // A load writes the cases only; `finishLoad` derives their institutions and search entries from them.
    const loading = options?.loading === true;
    const select = db.prepare<[string], string>("SELECT doc FROM cases WHERE case_id = ?").pluck();
    const upsert = db.prepare(
      // Updated in place: only the indexes whose columns changed are touched (REPLACE rewrites all).
      `INSERT INTO cases (case_id, patient_name, id_card_number, opened_at, last_event_at, doc)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (case_id) DO UPDATE SET patient_name = excluded.patient_name,
         id_card_number = excluded.id_card_number, opened_at = excluded.opened_at,
         last_event_at = excluded.last_event_at, doc = excluded.doc`,
    );
    // Most events change only lastEventAt and the document: one index is then rewritten, where the upsert
    // rewrote four (an update of a 1-year region's cases: 8.3 → 4.2 µs).
    const touch = db.prepare("UPDATE cases SET last_event_at = ?, doc = ? WHERE case_id = ?");
    const party = db.prepare(
      "INSERT OR IGNORE INTO case_institutions (case_id, institution_id, last_event_at) VALUES (?, ?, ?)",
    );
    const partiesTouched = db.prepare("UPDATE case_institutions SET last_event_at = ? WHERE case_id = ?");
    const searchable = db.prepare("INSERT INTO case_id_search (case_id) VALUES (?)");
    const remove = db.prepare("DELETE FROM cases WHERE case_id = ?");
    const unsearchable = db.prepare("DELETE FROM case_id_search WHERE case_id = ?");
    const removeParties = db.prepare("DELETE FROM case_institutions WHERE case_id = ?");
    return {
      get: (key) => {
        const doc = select.get(key);
        return doc === undefined ? null : (JSON.parse(doc) as CaseSummary);
      },
      put: (key, c, previous) => {
        if (
          previous !== null &&
          previous.patient.name === c.patient.name &&
          previous.patient.idCardNumber === c.patient.idCardNumber &&
          previous.openedAt === c.openedAt
        )
          touch.run(c.lastEventAt, JSON.stringify(c), key);
        else
          upsert.run(
            key,
            c.patient.name,
            c.patient.idCardNumber ?? null,
            c.openedAt,
            c.lastEventAt,
            JSON.stringify(c),
          );
        if (loading) return;
        if (previous === null) searchable.run(key);
        else if (previous.lastEventAt !== c.lastEventAt) partiesTouched.run(c.lastEventAt, key);
        // Institutions are only ever added: write the ones the row did not have.
        for (const institutionId of c.institutionIds.slice(previous?.institutionIds.length ?? 0))
          party.run(key, institutionId, c.lastEventAt);
      },
      delete: (key) => {
        remove.run(key);
        if (loading) return;
        removeParties.run(key);
        unsearchable.run(key);
      },
    };
  },
  // The rows `put` writes case by case, derived at once from the loaded cases, in key order so that the table
  // fills from left to right (REPLACE and NOT IN: a load resumed after a crash may find some written before it).
  finishLoad: (db) => {
    db.exec(`INSERT OR REPLACE INTO case_institutions (case_id, institution_id, last_event_at)
               SELECT c.case_id, i.value, c.last_event_at FROM cases c, json_each(c.doc, '$.institutionIds') i
               ORDER BY c.case_id, i.value;
             INSERT INTO case_id_search (case_id)
               SELECT case_id FROM cases WHERE case_id NOT IN (SELECT case_id FROM case_id_search);`);
  },
};

export interface CaseQuery {
  /** Any part of the case id (three characters or more), else its start. */
  caseId?: string | undefined;
  /** Start of the patient's name. */
  name?: string | undefined;
  /** The patient's ID-card number, exactly. */
  idCardNumber?: string | undefined;
  /** Cases this institution is party to. */
  institutionId?: string | undefined;
  /** Opened at or after / before (ISO instants). */
  from?: Date | undefined;
  to?: Date | undefined;
  limit?: number | undefined;
  /** The next page: the cases after this one in the order (most recent first, case id breaking ties). */
  after?: CaseCursor | undefined;
}

/** Where a page of cases ended: its last case's last event and id. */
export interface CaseCursor {
  lastEventAt: string;
  caseId: string;
}

const likePrefix = (text: string): string => `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Case queries over the read-only connection. */
export const casesQueries = (db: Database.Database) => {
  const parties = db
    .prepare<[string], string>("SELECT institution_id FROM case_institutions WHERE case_id = ?")
    .pluck();
  const exists = db.prepare<[string], number>("SELECT 1 FROM cases WHERE case_id = ?").pluck();
  return {
    /** Cases matching every given criterion, most recent first. */
    find: (query: CaseQuery): CaseSummary[] => {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (query.caseId && query.caseId.length >= 3) {
        // The trigram index narrows (`_` in an id is a LIKE wildcard there); instr() keeps exact matches only.
        where.push(
          "c.case_id IN (SELECT case_id FROM case_id_search WHERE case_id LIKE ?) AND instr(lower(c.case_id), lower(?)) > 0",
        );
        params.push(`%${query.caseId}%`, query.caseId);
      } else if (query.caseId) {
        where.push("c.case_id LIKE ? ESCAPE '\\'");
        params.push(likePrefix(query.caseId));
      }
      if (query.name) {
        where.push("c.patient_name LIKE ? ESCAPE '\\'");
        params.push(likePrefix(query.name));
      }
      if (query.idCardNumber) {
        where.push("c.id_card_number = ?");
        params.push(query.idCardNumber);
      }
      // An institution's cases are walked in its own index, most recent first (case_institutions.last_event_at).
      const byInstitution = query.institutionId !== undefined && query.institutionId !== "";
      if (byInstitution) {
        where.push("p.institution_id = ?");
        params.push(query.institutionId as string);
      }
      if (query.from) {
        where.push("c.opened_at >= ?");
        params.push(query.from.toISOString());
      }
      if (query.to) {
        where.push("c.opened_at <= ?");
        params.push(query.to.toISOString());
      }
      const recency = byInstitution ? "p" : "c";
      if (query.after) {
        where.push(`(${recency}.last_event_at, ${recency}.case_id) < (?, ?)`);
        params.push(query.after.lastEventAt, query.after.caseId);
      }
      params.push(query.limit ?? 50);
      const from = byInstitution ? "case_institutions p JOIN cases c ON c.case_id = p.case_id" : "cases c";
      const sql = `SELECT c.doc FROM ${from} ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""}
        ORDER BY ${recency}.last_event_at DESC, ${recency}.case_id DESC LIMIT ?`;
      return db
        .prepare<(string | number)[], string>(sql)
        .pluck()
        .all(...params)
        .map((doc) => JSON.parse(doc) as CaseSummary);
    },
    /** The institutions party to a case, or undefined for an unknown case. */
    institutions: (caseId: string): ReadonlySet<string> | undefined =>
      exists.get(caseId) === undefined ? undefined : new Set(parties.all(caseId)),
  };
};
