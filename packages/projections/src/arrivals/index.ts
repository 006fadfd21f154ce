import { transferEventSchemas } from "@mtc/domain";
import type Database from "better-sqlite3";
import type { DocumentModel } from "../shared/readModel.js";
import { evolveArrival } from "./evolve.js";
import type { Arrival } from "./state.js";

export * from "./evolve.js";
export * from "./state.js";
export * from "./view.js";

const DDL = `
CREATE TABLE IF NOT EXISTS arrivals (
  id TEXT PRIMARY KEY,
  destination_institution_id TEXT NOT NULL,
  alerted INTEGER NOT NULL,
  blood_asked INTEGER NOT NULL,
  doc TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS arrivals_by_destination ON arrivals (destination_institution_id) WHERE alerted = 1;
CREATE INDEX IF NOT EXISTS arrivals_blood_asked ON arrivals (blood_asked) WHERE blood_asked = 1;
`;

const alerted = (a: Arrival): number => (a.alert !== null ? 1 : 0);
const bloodAsked = (a: Arrival): number => (a.alert?.asks.includes("blood") ? 1 : 0);

/** Incoming transfers and their pre-arrival alerts (issue 9 §1): one row per open transfer. */
export const arrivalsModel: DocumentModel<Arrival> = {
  kind: "document",
  name: "arrivals",
  categories: ["transfer"],
  version: 1,
  handles: Object.keys(transferEventSchemas),
  tables: ["arrivals"],
  ddl: DDL,
  keyOf: (recorded) => recorded.streamId,
  evolve: evolveArrival,
  rows: (db) => {
    const select = db.prepare<[string], string>("SELECT doc FROM arrivals WHERE id = ?").pluck();
    const upsert = db.prepare(
      `INSERT INTO arrivals (id, destination_institution_id, alerted, blood_asked, doc) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET destination_institution_id = excluded.destination_institution_id,
         alerted = excluded.alerted, blood_asked = excluded.blood_asked, doc = excluded.doc`,
    );
    const remove = db.prepare("DELETE FROM arrivals WHERE id = ?");
    return {
      get: (key) => {
        const doc = select.get(key);
        return doc === undefined ? null : (JSON.parse(doc) as Arrival);
      },
      put: (key, a) => {
        upsert.run(key, a.destinationInstitutionId, alerted(a), bloodAsked(a), JSON.stringify(a));
      },
      delete: (key) => {
        remove.run(key);
      },
    };
  },
};

/** Queries over the read-only connection: only transfers whose alert has been raised are listed. */
export const arrivalsQueries = (db: Database.Database) => {
  const parse = (docs: string[]): Arrival[] => docs.map((doc) => JSON.parse(doc) as Arrival);
  const toInstitution = db
    .prepare<[string], string>(
      "SELECT doc FROM arrivals WHERE destination_institution_id = ? AND alerted = 1",
    )
    .pluck();
  const withBlood = db.prepare<[], string>("SELECT doc FROM arrivals WHERE blood_asked = 1").pluck();
  const all = db.prepare<[], string>("SELECT doc FROM arrivals WHERE alerted = 1").pluck();
  const one = db.prepare<[string], string>("SELECT doc FROM arrivals WHERE id = ? AND alerted = 1").pluck();
  return {
    /** The alerts addressed to one institution (its inbox, its medical affairs). */
    incoming: (institutionId: string): Arrival[] => parse(toInstitution.all(institutionId)),
    /** The alerts that ask for blood (the blood station's view). */
    askingForBlood: (): Arrival[] => parse(withBlood.all()),
    /** Every raised alert (region-wide roles). */
    all: (): Arrival[] => parse(all.all()),
    byId: (id: string): Arrival | undefined => {
      const doc = one.get(id);
      return doc === undefined ? undefined : (JSON.parse(doc) as Arrival);
    },
  };
};
