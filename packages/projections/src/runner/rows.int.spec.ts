import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordedEvent } from "@mtc/eventstore";
import { afterEach, describe, expect, it } from "vitest";
import { allModels } from "../index.js";
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
