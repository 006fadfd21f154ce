import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EventStore, openSqliteEventStore } from "@mtc/eventstore";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { allModels, categoriesOf } from "../index.js";
import { dumpReadModels, rebuildInto } from "../runner/rebuild.js";
import { createReadModelRunner } from "../runner/runner.js";
import { at, createLog, data } from "../testing/fixtures.js";
import { timelineModel } from "../timeline/index.js";
import { accessQueries, CASE_TIMELINE_READ, PATIENT_DATA_READ } from "./index.js";

let dir: string;
let store: EventStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mtc-access-"));
  store = openSqliteEventStore({ path: join(dir, "events.db") });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const actors = {
  clinic: { userId: "clinic", role: "hospital_staff", institutionId: "clinic_1" },
  auditor: { userId: "auditor", role: "auditor" },
} as const;

/** Appends one access record as the coordinator's access log writes it; returns its log position. */
const appendRead = async (
  actor: { userId: string; role: string; institutionId?: string },
  type: string,
  streamId: string,
  caseId: string,
  eventData: unknown,
): Promise<number> => {
  const id = randomUUID();
  const result = await store.append(
    streamId,
    [
      {
        id,
        type,
        data: eventData,
        metadata: { actor, caseId, causationId: id, commandId: id, occurredAt: at(1), schemaVersion: 1 },
      },
    ],
    "any",
  );
  return result.position;
};

const read = (kind: string, caseIds: string[], route: string) => ({
  kind,
  caseIds,
  route,
  from: "127.0.0.1",
});

/** The domain events of two cases, appended to the store as the deciders would. */
const appendDomainEvents = async (): Promise<void> => {
  const log = createLog();
  log.record("referral-r1", "ReferralRequested", data.referralRequested("r1", "c1", 0), { caseId: "c1" });
  log.record("referral-r2", "ReferralRequested", data.referralRequested("r2", "c2", 1), { caseId: "c2" });
  for (const { streamId, id, type, data: d, metadata } of log.events)
    await store.append(streamId, [{ id, type, data: d, metadata }], "any");
};

describe("access index (issue 8 finding 6: who read case X)", () => {
  it("indexes every case of each read, old timeline reads by their case, and a rebuild equals it row for row", async () => {
    await appendDomainEvents();
    await appendRead(actors.clinic, PATIENT_DATA_READ, "access-clinic", "c1", {
      ...read("timeline", ["c1"], "GET /api/cases/:id/timeline"),
      asOf: at(5),
    });
    // A board read shows several cases; the correlation id is then the reader.
    await appendRead(actors.clinic, PATIENT_DATA_READ, "access-clinic", "clinic", {
      ...read("board", ["c1", "c2"], "GET /api/board"),
    });
    // Recorded before the access log: the case is named in metadata only, and there is no kind.
    await appendRead(actors.clinic, CASE_TIMELINE_READ, "access-c1", "c1", { caseId: "c1", asOf: null });
    // A malformed record fails alone: it neither stops the model nor the reader's later reads.
    await appendRead(actors.auditor, PATIENT_DATA_READ, "access-auditor", "auditor", { kind: "timeline" });

    const file = join(dir, "readmodels.db");
    const models = allModels();
    const runner = createReadModelRunner({
      store,
      path: file,
      models,
      categories: categoriesOf(models),
      pageSize: 2,
    });
    await runner.start();
    await runner.whenReady();
    // Then live, after the catch-up.
    const last = await appendRead(actors.auditor, PATIENT_DATA_READ, "access-auditor", "c1", {
      ...read("case_search", ["c1"], "GET /api/cases"),
      query: { nameLength: 2 },
    });
    await runner.whenCaughtUpTo(last);
    expect(runner.status().find((s) => s.name === "access")).toMatchObject({
      state: "ready",
      failedDocuments: 1,
    });

    const queries = accessQueries(runner.reader());
    const c1 = queries.readsOfCase("c1", { limit: 10 });
    expect(c1.next).toBeNull();
    expect(c1.reads.map((r) => `${r.userId} ${r.kind} ${r.route}`)).toEqual([
      "auditor case_search GET /api/cases",
      "clinic timeline ",
      "clinic board GET /api/board",
      "clinic timeline GET /api/cases/:id/timeline",
    ]);
    expect(c1.reads[0]).toMatchObject({ role: "auditor", query: { nameLength: 2 }, from: "127.0.0.1" });
    expect(c1.reads[0]).not.toHaveProperty("institutionId");
    expect(c1.reads[3]).toMatchObject({ institutionId: "clinic_1", asOf: at(5) });
    expect(queries.readsOfCase("c2", { limit: 10 }).reads.map((r) => r.kind)).toEqual(["board"]);

    // Newest first in pages: the cursor continues exactly where the page stopped.
    const first = queries.readsOfCase("c1", { limit: 3 });
    expect(first.reads).toEqual(c1.reads.slice(0, 3));
    expect(first.next).not.toBeNull();
    const second = queries.readsOfCase("c1", { before: first.next ?? undefined, limit: 3 });
    expect(second).toEqual({ reads: c1.reads.slice(3), next: null });
    await runner.close();

    const kept = dumpReadModels(file, models);
    // The domain models never see the access log: the timeline indexes only the two cases' domain events.
    expect((kept.timeline_entries as { stream_id: string }[]).map((r) => r.stream_id).sort()).toEqual([
      "referral-r1",
      "referral-r2",
    ]);
    expect(kept.case_reads).toHaveLength(5);
    // Only the malformed record failed, in the access model alone: no domain model was handed an access event.
    expect(kept.failed_documents).toEqual([
      expect.objectContaining({
        model: "access",
        key: "access-auditor@0",
        reason: expect.stringMatching(/caseIds/),
      }),
    ]);

    const fresh = join(dir, "fresh.db");
    await rebuildInto({ store, path: fresh, models, categories: categoriesOf(models) });
    expect(dumpReadModels(fresh, models)).toEqual(kept);
  });

  it("the read categories are the union of the models' own; a model of every category reads the whole log", () => {
    expect(categoriesOf(allModels())).toEqual(["access", "blood", "mdt", "referral", "transfer", "unit"]);
    const { categories: _domain, ...everyCategory } = timelineModel;
    expect(categoriesOf([...allModels(), everyCategory])).toBeUndefined();
  });

  it("reads alone are indexed together, at most deferMs late; a domain event or a waiting query indexes them at once", async () => {
    await appendDomainEvents();
    const models = allModels();
    const runner = createReadModelRunner({
      store,
      path: join(dir, "readmodels-deferred.db"),
      models,
      categories: categoriesOf(models),
      deferredCategories: ["access"],
      // Longer than the test: whatever is indexed here was indexed by something other than the timer.
      deferMs: 60_000,
    });
    await runner.start();
    await runner.whenReady();
    const indexed = () => accessQueries(runner.reader()).readsOfCase("c1", { limit: 100 }).reads.length;
    const checkpointOf = (name: string) => runner.status().find((s) => s.name === name)?.checkpoint;
    const before = checkpointOf("access");

    // Two reads alone: they wait, and nothing else is held up by them.
    for (let i = 0; i < 2; i++)
      await appendRead(
        actors.clinic,
        PATIENT_DATA_READ,
        "access-clinic",
        "c1",
        read("timeline", ["c1"], "GET /t"),
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(indexed()).toBe(0);
    expect(checkpointOf("access")).toBe(before);

    // A domain event goes at once, and takes the waiting reads with it, in one batch.
    const log = createLog();
    log.record("referral-r3", "ReferralRequested", data.referralRequested("r3", "c1", 2), { caseId: "c1" });
    const [domain] = log.events;
    if (!domain) throw new Error("no event");
    const domainAt = (
      await store.append(
        domain.streamId,
        [{ id: randomUUID(), type: domain.type, data: domain.data, metadata: domain.metadata }],
        "any",
      )
    ).position;
    await expect.poll(() => checkpointOf("board"), { timeout: 5_000 }).toBe(domainAt);
    expect(indexed()).toBe(2);

    // A query waiting on the index does not wait for the timer either.
    const last = await appendRead(
      actors.auditor,
      PATIENT_DATA_READ,
      "access-auditor",
      "c1",
      read("case_search", ["c1"], "GET /c"),
    );
    await runner.whenCaughtUpTo(last);
    expect(indexed()).toBe(3);
    await runner.close();
  });
});
