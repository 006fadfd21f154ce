import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordedEvent } from "@mtc/eventstore";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { boardModel } from "../board/model.js";
import type { BoardItem } from "../board/state.js";
import { allModels } from "../index.js";
import type { DocumentModel } from "../shared/readModel.js";
import { at, createLog, data } from "../testing/fixtures.js";
import { createApplier, loadSlots } from "./apply.js";
import { openReadModelDatabase } from "./database.js";
import { dumpReadModels } from "./rebuild.js";

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A read-model file built from `events` through the applier, in batches of `batchSize` events. */
const built = (name: string, events: readonly RecordedEvent[], batchSize: number): string => {
  const path = join(dir, `${name}.db`);
  const { db } = openReadModelDatabase(path);
  const slots = loadSlots(db, allModels(), -1);
  const applier = createApplier(db, { cacheSize: 100, emitting: new Set() });
  for (let i = 0; i < events.length; i += batchSize) applier.apply(slots, events.slice(i, i + batchSize));
  db.close();
  return path;
};

/**
 * A read-model file loaded as a rebuild loads it (`load`: tables without secondary indexes, side rows derived at
 * the end), stopped after `stopAt` events and resumed by a new connection, as after a crash.
 */
const loaded = (name: string, events: readonly RecordedEvent[], stopAt: number): string => {
  const path = join(dir, `${name}.db`);
  const first = openReadModelDatabase(path).db;
  const applier = createApplier(first, { cacheSize: 100, emitting: new Set() });
  applier.apply(loadSlots(first, allModels(), -1, undefined, { load: true }), events.slice(0, stopAt));
  first.close();
  const { db } = openReadModelDatabase(path);
  const slots = loadSlots(db, allModels(), -1, undefined, { load: true });
  const resumed = createApplier(db, { cacheSize: 100, emitting: new Set() });
  resumed.apply(slots, events.slice(stopAt));
  for (const slot of slots) resumed.ready(slot);
  db.close();
  return path;
};

/** A log of two cases over referrals and transfers, with a redirect and a diversion (new parties late). */
const twoCases = (): RecordedEvent[] => {
  const log = createLog();
  for (const caseId of ["c1", "c2"]) {
    const meta = { caseId };
    const r = `r-${caseId}`;
    const t = `t-${caseId}`;
    log.record(`transfer-${t}`, "TransferRequested", data.transferRequested(t, caseId, 0), meta);
    log.record(`referral-${r}`, "ReferralRequested", data.referralRequested(r, caseId, 1), meta);
    log.record(`transfer-${t}`, "UnitDispatched", data.unitDispatched(t, 2), meta);
    log.record(`referral-${r}`, "ReferralDeclined", data.referralDeclined(r, 3), meta);
    log.record(`referral-${r}`, "ReferralRedirected", data.referralRedirected(r, 4), meta);
    log.record(`transfer-${t}`, "TransferDeparted", data.transferDeparted(t, 5), meta);
  }
  return log.events;
};

describe("a rebuild's load: secondary indexes and side rows made at its end (real SQLite file)", () => {
  it("equals rows written event by event, also when the load is resumed by another connection", () => {
    dir = mkdtempSync(join(tmpdir(), "mtc-rows-"));
    const events = twoCases();
    const byEvent = dumpReadModels(built("by-event", events, 1), allModels());
    for (const stopAt of [0, 3, events.length - 1]) {
      const path = loaded(`loaded-${stopAt}`, events, stopAt);
      expect(dumpReadModels(path, allModels())).toEqual(byEvent);
      // Every index of every model exists once the load is done, and the search index finds both cases.
      const db = new Database(path, { readonly: true });
      const indexes = db
        .prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
        .pluck()
        .all();
      const searched = db
        .prepare<[], string>("SELECT case_id FROM case_id_search WHERE case_id LIKE '%c%' ORDER BY 1")
        .pluck()
        .all();
      db.close();
      expect(indexes).toEqual(
        expect.arrayContaining(["timeline_by_case", "cases_by_name", "board_by_grade"]),
      );
      expect(searched).toEqual(["c1", "c2"]);
    }
    // Not an empty comparison: the side rows the load derives at its end are there.
    expect(byEvent.case_institutions?.length).toBeGreaterThan(2);
    expect(byEvent.timeline_entries).toHaveLength(events.length);
  });
});

describe("document rows written batch after batch (real SQLite file)", () => {
  it("an indexed column changed in a later batch is written, as a rebuild in one batch writes it", () => {
    dir = mkdtempSync(join(tmpdir(), "mtc-rows-"));
    const log = createLog();
    const c1 = { caseId: "c1" };
    // The transfer comes first: the case's ID-card number (same name) and the board item's and the transfer
    // record's destinations change in later batches.
    log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 0), c1);
    log.record("transfer-t1", "UnitDispatched", data.unitDispatched("t1", 2), c1);
    log.record(
      "referral-r1",
      "ReferralRequested",
      data.referralRequested("r1", "c1", 3, {
        patient: { name: "王芳", idCardNumber: "11010519491231002X" },
      }),
      c1,
    );
    log.record("referral-r1", "ReferralDeclined", data.referralDeclined("r1", 4), c1);
    log.record("referral-r1", "ReferralRedirected", data.referralRedirected("r1", 5), c1);
    const diverted = {
      transferId: "t1",
      fromInstitutionId: "centre_1",
      toInstitutionId: "centre_2",
      reason: "no ICU bed",
      divertedBy: "调度员",
      occurredAt: at(6),
    };
    log.record("transfer-t1", "TransferDiverted", diverted, c1);
    log.record("transfer-t1", "TransferDeparted", data.transferDeparted("t1", 7), c1);

    const oneByOne = dumpReadModels(built("one-by-one", log.events, 1), allModels());
    expect(oneByOne).toEqual(dumpReadModels(built("at-once", log.events, log.events.length), allModels()));
    // The changed columns themselves, so that the comparison above cannot pass on two stale files.
    expect(oneByOne.board_items).toContainEqual(
      expect.objectContaining({ id: "referral-r1", destination_institution_id: "centre_2" }),
    );
    expect(oneByOne.transfer_records).toContainEqual(
      expect.objectContaining({ stream_id: "transfer-t1", destination_institution_id: "centre_2" }),
    );
    expect(oneByOne.cases).toContainEqual(
      expect.objectContaining({ case_id: "c1", id_card_number: "11010519491231002X" }),
    );
  });
});

describe("boundaries a model asks for inside a batch (board checkpoints every N events; real SQLite file)", () => {
  it("write the same rows as batches of one event, and each document is read from its row once a batch", () => {
    dir = mkdtempSync(join(tmpdir(), "mtc-rows-"));
    const events = twoCases();
    // Every second event: the fixture log's positions go up by three.
    const board = boardModel({ everyEvents: 6, everyMinutes: 24 * 60 });
    let reads = 0;
    const counted: DocumentModel<BoardItem> = {
      ...board,
      rows: (db, options) => {
        const rows = board.rows(db, options);
        return {
          ...rows,
          get: (key) => {
            reads++;
            return rows.get(key);
          },
        };
      },
    };
    const build = (name: string, batchSize: number): string => {
      const path = join(dir, `${name}.db`);
      const { db } = openReadModelDatabase(path);
      const slots = loadSlots(db, [counted], -1);
      const applier = createApplier(db, { cacheSize: 100, emitting: new Set() });
      for (let i = 0; i < events.length; i += batchSize) applier.apply(slots, events.slice(i, i + batchSize));
      db.close();
      return path;
    };
    const oneByOne = dumpReadModels(build("one-by-one", 1), [counted]);
    reads = 0;
    const atOnce = build("at-once", events.length);
    // Four items (a referral and a transfer of each case), six boundaries: each item is read once, not again
    // after every boundary it outlived.
    expect(reads).toBe(4);
    expect(dumpReadModels(atOnce, [counted])).toEqual(oneByOne);
    expect(oneByOne.board_items).toHaveLength(4);
    const db = new Database(atOnce, { readonly: true });
    const checkpoints = db.prepare<[], number>("SELECT count(*) FROM board_checkpoints").pluck().get();
    db.close();
    expect(checkpoints).toBe(events.length / 2);
  });
});
