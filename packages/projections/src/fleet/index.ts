import { type UnitStatus, unitEventSchemas } from "@mtc/domain";
import type Database from "better-sqlite3";
import type { ProjectedEvent } from "../shared/projectedEvent.js";
import type { DocumentModel } from "../shared/readModel.js";

/** The category of the ambulance streams, `unit-<ambulanceId>` (issue 9 §4). */
export const UNIT_CATEGORY = "unit";

/** One ambulance as the dispatch centre sees it: status, since when, and the transfer it is on. */
export interface FleetUnit {
  ambulanceId: string;
  status: UnitStatus;
  /** occurredAt of the event that set the status. */
  since: string;
  transferId: string | null;
  caseId: string | null;
  /** The infectious transfer after which it awaits disinfection, 000 §十二(六), R-TRF-5. */
  disinfectionAfterTransferId: string | null;
  /** Why it is out of service, while it is. */
  outOfServiceReason: string | null;
  /** The status and time before the current claim: where a withdrawn dispatch returns it. */
  beforeClaim: { status: UnitStatus; since: string; transferId: string | null; caseId: string | null } | null;
  /** Global log position of the last event applied (for change feeds and read-your-writes). */
  lastPosition: number;
}

/**
 * Fleet reducer over one unit (keyed by its stream id). A unit without a row is available: units come from the
 * reference data and get a row with their first event. Pure: the row given is never changed.
 */
export const evolveFleetUnit = (
  unit: FleetUnit | null,
  { event, recorded }: ProjectedEvent,
): FleetUnit | null => {
  const base: FleetUnit = unit ?? {
    ambulanceId: recorded.streamId.slice(UNIT_CATEGORY.length + 1),
    status: "available",
    since: event.data.occurredAt,
    transferId: null,
    caseId: null,
    disinfectionAfterTransferId: null,
    outOfServiceReason: null,
    beforeClaim: null,
    lastPosition: recorded.position,
  };
  const at = event.data.occurredAt;
  const next = { ...base, lastPosition: recorded.position };
  switch (event.type) {
    case "UnitAssigned":
      return {
        ...next,
        status: "dispatched",
        since: at,
        transferId: event.data.transferId,
        caseId: event.data.caseId,
        beforeClaim: {
          status: base.status,
          since: base.since,
          transferId: base.transferId,
          caseId: base.caseId,
        },
      };
    case "UnitStatusRecorded":
      return base.transferId === event.data.transferId
        ? { ...next, status: event.data.status, since: at }
        : next;
    case "UnitReleased":
      if (
        event.data.reason === "dispatch_withdrawn" &&
        base.beforeClaim &&
        base.transferId === event.data.transferId
      )
        return { ...next, ...base.beforeClaim, beforeClaim: null };
      return {
        ...next,
        status: event.data.disinfectionRequired ? "disinfection_pending" : "back_in_service",
        since: at,
        transferId: null,
        caseId: null,
        beforeClaim: null,
        disinfectionAfterTransferId: event.data.disinfectionRequired
          ? event.data.transferId
          : base.disinfectionAfterTransferId,
      };
    case "UnitDisinfected":
      return base.status === "out_of_service"
        ? { ...next, disinfectionAfterTransferId: null }
        : { ...next, status: "available", since: at, disinfectionAfterTransferId: null };
    case "UnitTakenOutOfService":
      return { ...next, status: "out_of_service", since: at, outOfServiceReason: event.data.reason };
    case "UnitReturnedToService":
      return { ...next, status: "available", since: at, outOfServiceReason: null };
    default:
      return base;
  }
};

const DDL = `
CREATE TABLE IF NOT EXISTS fleet_units (
  stream_id TEXT PRIMARY KEY,
  doc TEXT NOT NULL
) WITHOUT ROWID;
`;

/** Ambulance fleet status (issue 9 §4, R-TRF-5): one row per unit that has had an event. */
export const fleetModel: DocumentModel<FleetUnit> = {
  kind: "document",
  name: "fleet",
  categories: [UNIT_CATEGORY],
  version: 1,
  handles: Object.keys(unitEventSchemas),
  tables: ["fleet_units"],
  ddl: DDL,
  keyOf: (recorded) => recorded.streamId,
  evolve: evolveFleetUnit,
  rows: (db) => {
    const select = db.prepare<[string], string>("SELECT doc FROM fleet_units WHERE stream_id = ?").pluck();
    const upsert = db.prepare(
      "INSERT INTO fleet_units (stream_id, doc) VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET doc = excluded.doc",
    );
    const remove = db.prepare("DELETE FROM fleet_units WHERE stream_id = ?");
    return {
      get: (key) => {
        const doc = select.get(key);
        return doc === undefined ? null : (JSON.parse(doc) as FleetUnit);
      },
      put: (key, unit) => {
        upsert.run(key, JSON.stringify(unit));
      },
      delete: (key) => {
        remove.run(key);
      },
    };
  },
};

/** Fleet queries over the read-only connection. */
export const fleetQueries = (db: Database.Database) => {
  const all = db.prepare<[], string>("SELECT doc FROM fleet_units").pluck();
  return {
    /** Every unit that has had an event, keyed by ambulance id; units not listed are available. */
    units: (): Map<string, FleetUnit> =>
      new Map(
        all.all().map((doc) => {
          const unit = JSON.parse(doc) as FleetUnit;
          return [unit.ambulanceId, unit];
        }),
      ),
  };
};
