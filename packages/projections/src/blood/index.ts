import { bloodEventSchemas } from "@mtc/domain";
import type Database from "better-sqlite3";
import { DOMAIN_CATEGORIES, type DocumentModel } from "../shared/readModel.js";
import { evolveBloodRequest } from "./evolve.js";
import {
  type BloodQueueItem,
  type BloodTargets,
  bloodAlarms,
  bloodMilestones,
  bloodUrgencyRank,
  type CaseBloodStatus,
  caseBloodStatus,
  orderBloodQueue,
} from "./query.js";
import type { BloodRequestRecord } from "./state.js";

export * from "./evolve.js";
export * from "./query.js";
export * from "./state.js";

const DDL = `
CREATE TABLE IF NOT EXISTS blood_requests (
  stream_id TEXT PRIMARY KEY,
  blood_request_id TEXT NOT NULL,
  case_id TEXT NOT NULL,
  blood_station_id TEXT NOT NULL,
  requesting_institution_id TEXT NOT NULL,
  open INTEGER NOT NULL,
  urgency_rank INTEGER NOT NULL,
  requested_at TEXT NOT NULL,
  doc TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS blood_requests_queue ON blood_requests (blood_station_id, open, urgency_rank, requested_at);
CREATE INDEX IF NOT EXISTS blood_requests_by_case ON blood_requests (case_id);
CREATE INDEX IF NOT EXISTS blood_requests_by_id ON blood_requests (blood_request_id);
CREATE INDEX IF NOT EXISTS blood_requests_by_hospital ON blood_requests (requesting_institution_id, requested_at);
`;

const isOpen = (r: BloodRequestRecord): boolean => r.progress !== "delivered" && r.progress !== "cancelled";

/** Emergency blood requests (000 §二十二, R-BLD-1…3): one row per `blood-<id>` stream. */
export const bloodModel: DocumentModel<BloodRequestRecord> = {
  kind: "document",
  name: "blood",
  categories: DOMAIN_CATEGORIES,
  version: 1,
  handles: Object.keys(bloodEventSchemas),
  tables: ["blood_requests"],
  ddl: DDL,
  keyOf: (recorded) => recorded.streamId,
  evolve: evolveBloodRequest,
  rows: (db) => {
    const select = db.prepare<[string], string>("SELECT doc FROM blood_requests WHERE stream_id = ?").pluck();
    const upsert = db.prepare(
      `INSERT INTO blood_requests (stream_id, blood_request_id, case_id, blood_station_id,
         requesting_institution_id, open, urgency_rank, requested_at, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (stream_id) DO UPDATE SET open = excluded.open, doc = excluded.doc`,
    );
    const remove = db.prepare("DELETE FROM blood_requests WHERE stream_id = ?");
    return {
      get: (key) => {
        const doc = select.get(key);
        return doc === undefined ? null : (JSON.parse(doc) as BloodRequestRecord);
      },
      put: (key, r) => {
        upsert.run(
          key,
          r.bloodRequestId,
          r.caseId,
          r.bloodStationId,
          r.requestingInstitutionId,
          isOpen(r) ? 1 : 0,
          bloodUrgencyRank(r.urgency),
          r.requested.occurredAt,
          JSON.stringify(r),
        );
      },
      delete: (key) => {
        remove.run(key);
      },
    };
  },
};

/** Blood queries over the read-only connection; alarms are computed from `now` and the configured targets. */
export const bloodQueries = (db: Database.Database) => {
  const byId = db
    .prepare<[string], string>("SELECT doc FROM blood_requests WHERE blood_request_id = ?")
    .pluck();
  const byCase = db
    .prepare<[string], string>("SELECT doc FROM blood_requests WHERE case_id = ? ORDER BY requested_at")
    .pluck();
  const queue = db
    .prepare<[string], string>(
      "SELECT doc FROM blood_requests WHERE blood_station_id = ? AND open = 1 ORDER BY urgency_rank, requested_at",
    )
    .pluck();
  const recentlyClosed = db
    .prepare<[string, number], string>(
      "SELECT doc FROM blood_requests WHERE blood_station_id = ? AND open = 0 ORDER BY requested_at DESC LIMIT ?",
    )
    .pluck();
  const ofHospital = db
    .prepare<[string, number], string>(
      "SELECT doc FROM blood_requests WHERE requesting_institution_id = ? ORDER BY requested_at DESC LIMIT ?",
    )
    .pluck();
  const parse = (doc: string) => JSON.parse(doc) as BloodRequestRecord;
  const withAlarms = (r: BloodRequestRecord, targets: BloodTargets, now: Date): BloodQueueItem => ({
    ...r,
    alarms: bloodAlarms(r, targets, now),
    milestones: bloodMilestones(r, targets, now),
  });
  return {
    request: (bloodRequestId: string): BloodRequestRecord | undefined => {
      const doc = byId.get(bloodRequestId);
      return doc === undefined ? undefined : parse(doc);
    },
    ofCase: (caseId: string): BloodRequestRecord[] => byCase.all(caseId).map(parse),
    /** The station's open requests by urgency then age, and the latest closed ones after them. */
    queue: (stationId: string, targets: BloodTargets, now: Date, closed = 20): BloodQueueItem[] => [
      ...orderBloodQueue(queue.all(stationId).map((doc) => withAlarms(parse(doc), targets, now))),
      ...recentlyClosed.all(stationId, closed).map((doc) => withAlarms(parse(doc), targets, now)),
    ],
    /** A hospital's own requests, newest first. */
    ofHospital: (institutionId: string, targets: BloodTargets, now: Date, limit = 50): BloodQueueItem[] =>
      ofHospital.all(institutionId, limit).map((doc) => withAlarms(parse(doc), targets, now)),
    caseStatus: (caseId: string, targets: BloodTargets, now: Date): CaseBloodStatus | null =>
      caseBloodStatus(byCase.all(caseId).map(parse), targets, now),
    withAlarms,
  };
};
