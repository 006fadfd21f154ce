import { afterEach, describe, expect, it } from "vitest";
import { casesQueries } from "./cases/index.js";
import { completenessQueries } from "./completeness/index.js";
import { allModels } from "./index.js";
import { readModelFileWith } from "./testing/database.js";
import { at, createLog, data } from "./testing/fixtures.js";

const options = { lateEntryMinutes: 30 };
let close = () => {};
afterEach(() => close());

const open = (log: ReturnType<typeof createLog>) => {
  const file = readModelFileWith(allModels(), log.events);
  close = file.close;
  return file;
};

describe("queries over the read-model tables (real SQLite file)", () => {
  it("000 §十二(十) R-TRF-8: transfer records filter by case, institution and incompleteness, oldest first", () => {
    const log = createLog();
    log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 0), { caseId: "c1" });
    log.record("transfer-t1", "TransferDeparted", data.transferDeparted("t1", 20), { caseId: "c1" });
    log.record("transfer-t1", "TransferArrived", data.transferArrived("t1", 60), { caseId: "c1" });
    const other = data.transferRequested("t2", "c2", 5, { originInstitutionId: "clinic_2" });
    log.record("transfer-t2", "TransferRequested", other, { caseId: "c2" });
    log.record("transfer-t2", "TransferCancelled", data.transferCancelled("t2", 7), { caseId: "c2" });
    const q = completenessQueries(open(log).reader);
    expect(q.list(options).map((t) => t.transferId)).toEqual(["t1", "t2"]);
    expect(q.list(options, { caseId: "c2" })[0]?.status).toBe("cancelled");
    expect(q.list(options, { institutionId: "clinic_2" }).map((t) => t.transferId)).toEqual(["t2"]);
    expect(q.list(options, { institutionId: "centre_1" }).map((t) => t.transferId)).toEqual(["t1", "t2"]);
    expect(q.list(options, { incompleteOnly: true })).toHaveLength(2);
    expect(q.record("transfer-t1")?.reception).toEqual({ occurredAt: at(60), recordedAt: at(60) });
    expect(q.record("transfer-nope")).toBeUndefined();
  });

  it("cases: by any part of the id (its start when short), the start of the name, the exact ID-card number, institution and opening time, most recent first", () => {
    const log = createLog();
    const withId = { name: "王芳", idCardNumber: "11010519491231002X" };
    log.record(
      "referral-r1",
      "ReferralRequested",
      data.referralRequested("r1", "JC-2026-7KX3F9", 0, { patient: withId }),
      {
        caseId: "JC-2026-7KX3F9",
      },
    );
    log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "JC-2026-7KX3F9", 6), {
      caseId: "JC-2026-7KX3F9",
    });
    const other = { patient: { name: "李娟" }, fromInstitutionId: "clinic_9" };
    log.record(
      "referral-r2",
      "ReferralRequested",
      data.referralRequested("r2", "JC-2026-AB12CD", 30, other),
      {
        caseId: "JC-2026-AB12CD",
      },
    );
    const q = casesQueries(open(log).reader);
    const ids = (found: { caseId: string }[]) => found.map((c) => c.caseId);
    expect(ids(q.find({}))).toEqual(["JC-2026-AB12CD", "JC-2026-7KX3F9"]);
    expect(ids(q.find({ caseId: "jc-2026-7k" }))).toEqual(["JC-2026-7KX3F9"]);
    expect(ids(q.find({ caseId: "7kx3f9" }))).toEqual(["JC-2026-7KX3F9"]);
    expect(ids(q.find({ caseId: "2026-" }))).toEqual(["JC-2026-AB12CD", "JC-2026-7KX3F9"]);
    expect(ids(q.find({ caseId: "7KX3F8" }))).toEqual([]);
    expect(ids(q.find({ caseId: "jc" }))).toEqual(["JC-2026-AB12CD", "JC-2026-7KX3F9"]);
    expect(ids(q.find({ caseId: "kx" }))).toEqual([]);
    expect(ids(q.find({ name: "王" }))).toEqual(["JC-2026-7KX3F9"]);
    expect(ids(q.find({ name: "%" }))).toEqual([]);
    expect(ids(q.find({ idCardNumber: "11010519491231002X" }))).toEqual(["JC-2026-7KX3F9"]);
    expect(ids(q.find({ idCardNumber: "110105194912310" }))).toEqual([]);
    expect(ids(q.find({ institutionId: "clinic_9" }))).toEqual(["JC-2026-AB12CD"]);
    expect(ids(q.find({ institutionId: "centre_1" }))).toEqual(["JC-2026-AB12CD", "JC-2026-7KX3F9"]);
    expect(ids(q.find({ from: new Date(at(10)) }))).toEqual(["JC-2026-AB12CD"]);
    expect(ids(q.find({ to: new Date(at(10)) }))).toEqual(["JC-2026-7KX3F9"]);
    // Keyset paging: a page of one, then the next after it, most recent first; the last page is empty.
    const [first] = q.find({ limit: 1 });
    expect(first?.caseId).toBe("JC-2026-AB12CD");
    const after = (c: typeof first) => ({ lastEventAt: c?.lastEventAt ?? "", caseId: c?.caseId ?? "" });
    const [second] = q.find({ limit: 1, after: after(first) });
    expect(second?.caseId).toBe("JC-2026-7KX3F9");
    expect(q.find({ limit: 1, after: after(second) })).toEqual([]);
    expect(ids(q.find({ institutionId: "centre_1", limit: 1, after: after(first) }))).toEqual([
      "JC-2026-7KX3F9",
    ]);
    expect(q.institutions("JC-2026-7KX3F9")).toEqual(new Set(["clinic_1", "centre_1"]));
    expect(q.institutions("JC-2026-NOPE00")).toBeUndefined();
  });

  it("case searches use their indexes (no scan of every case)", () => {
    const log = createLog();
    log.record("referral-r1", "ReferralRequested", data.referralRequested("r1", "c1", 0), { caseId: "c1" });
    const { reader } = open(log);
    const plan = (sql: string, ...params: string[]) =>
      (reader.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
        .map((r) => r.detail)
        .join("; ");
    expect(plan("SELECT doc FROM cases WHERE case_id LIKE ? ESCAPE '\\'", "c%")).toContain(
      "USING INDEX cases_by_id_prefix",
    );
    expect(plan("SELECT case_id FROM case_id_search WHERE case_id LIKE ?", "%7kx%")).toContain(
      "VIRTUAL TABLE INDEX",
    );
    expect(plan("SELECT doc FROM cases WHERE patient_name LIKE ? ESCAPE '\\'", "王%")).toContain(
      "USING INDEX cases_by_name",
    );
    expect(plan("SELECT doc FROM cases WHERE id_card_number = ?", "x")).toContain(
      "USING INDEX cases_by_id_card",
    );
    // An institution's most recent cases, a page after a cursor: one walk of its index, no sort of its cases.
    const byInstitution = plan(
      "SELECT c.doc FROM case_institutions p JOIN cases c ON c.case_id = p.case_id WHERE p.institution_id = ? AND (p.last_event_at, p.case_id) < (?, ?) ORDER BY p.last_event_at DESC, p.case_id DESC LIMIT 50",
      "centre_1",
      "2026-11-24T00:00:00.000Z",
      "JC-2026-7KX3F9",
    );
    expect(byInstitution).toContain("USING COVERING INDEX case_institutions_by_recency");
    expect(byInstitution).not.toContain("TEMP B-TREE");
    // Every case, most recent first, a page at a time: the recency index, no sort.
    const recent = plan(
      "SELECT c.doc FROM cases c WHERE (c.last_event_at, c.case_id) < (?, ?) ORDER BY c.last_event_at DESC, c.case_id DESC LIMIT 50",
      "2026-11-24T00:00:00.000Z",
      "JC-2026-7KX3F9",
    );
    expect(recent).toContain("USING INDEX cases_by_recency");
    expect(recent).not.toContain("TEMP B-TREE");
    const timeline = plan("SELECT * FROM timeline_entries WHERE case_id = ? ORDER BY position", "c1");
    expect(timeline).toContain("USING INDEX timeline_by_case");
    expect(timeline).not.toContain("TEMP B-TREE");
  });
});
