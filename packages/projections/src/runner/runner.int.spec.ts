import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EventStore, openSqliteEventStore, type RecordedEvent } from "@mtc/eventstore";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { boardQueries } from "../board/model.js";
import { allModels, categoriesOf, readModelStatus } from "../index.js";
import type { ReadModel } from "../shared/readModel.js";
import { createLog, data } from "../testing/fixtures.js";
import { dumpReadModels, rebuildInto } from "./rebuild.js";
import { createReadModelRunner, type ReadModelRunnerOptions, type RunnerLogEntry } from "./runner.js";

let dir: string;
let file: string;
let store: EventStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mtc-runner-"));
  file = join(dir, "readmodels-test.db");
  store = openSqliteEventStore({ path: join(dir, "events.db") });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Appends events together (one group commit, so a live runner sees them as one batch); returns the last position. */
const appendTogether = async (events: readonly RecordedEvent[]): Promise<number> => {
  const results = await Promise.all(
    events.map(({ streamId, id, type, data: d, metadata }) =>
      store.append(streamId, [{ id, type, data: d, metadata }], "any"),
    ),
  );
  return Math.max(-1, ...results.map((r) => r.position));
};

const runner = (over: Partial<ReadModelRunnerOptions> = {}) =>
  createReadModelRunner({
    store,
    path: file,
    models: allModels(),
    categories: categoriesOf(allModels()),
    ...over,
  });

/** The same log rebuilt from zero into another file, dumped row for row. */
const freshRebuild = async (models: readonly ReadModel[] = allModels()) => {
  const fresh = join(dir, `fresh-${Math.random().toString(36).slice(2)}.db`);
  await rebuildInto({ store, path: fresh, models, categories: categoriesOf(allModels()) });
  return dumpReadModels(fresh, models);
};

/** A referral, a transfer through handover, a green decline redirected by one command, a second open transfer. */
const caseEvents = () => {
  const log = createLog();
  const c1 = { caseId: "c1" };
  log.record("referral-r1", "ReferralRequested", data.referralRequested("r1", "c1", 0), c1);
  log.record("referral-r1", "ReferralAccepted", data.referralAccepted("r1", 4), c1);
  log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 5), c1);
  log.record("transfer-t1", "UnitDispatched", data.unitDispatched("t1", 7), c1);
  log.record("transfer-t1", "TransferDeparted", data.transferDeparted("t1", 25), c1);
  log.record("transfer-t1", "HandoverCompleted", data.handoverCompleted("t1", 62), c1);
  const green = data.referralRequested("r2", "c2", 70, { riskGrade: "green", urgency: "routine" });
  log.record("referral-r2", "ReferralRequested", green, { caseId: "c2" });
  const one = { caseId: "c2", commandId: "cmd_decline" };
  log.record("referral-r2", "ReferralDeclined", data.referralDeclined("r2", 75), one);
  log.record("referral-r2", "ReferralRedirected", data.referralRedirected("r2", 75), one);
  log.record("transfer-t2", "TransferRequested", data.transferRequested("t2", "c3", 80), { caseId: "c3" });
  return log.events;
};

describe("read-model runner on SQLite files", () => {
  it("applies the log, emits board changes only after their commit, and equals a rebuild row for row", async () => {
    const r = runner();
    await r.start();
    const seen: { key: string; committed: boolean }[] = [];
    r.onChanges((model, changes) => {
      const rows = new Set(
        boardQueries(r.reader())
          .items()
          .map((i) => i.id),
      );
      for (const c of changes)
        seen.push({ key: c.key, committed: c.after === null || rows.has(c.key) || model !== "board" });
    });
    await r.whenReady();
    const last = await appendTogether(caseEvents());
    await r.whenCaughtUpTo(last);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s.committed)).toBe(true);
    expect(
      boardQueries(r.reader())
        .items()
        .map((i) => [i.id, i.step, i.destinationInstitutionId]),
    ).toEqual([
      ["referral-r1", "accepted", "centre_1"],
      ["referral-r2", "redirected", "centre_2"],
      ["transfer-t2", "requested", "centre_1"],
    ]);
    expect(r.status().map((s) => [s.name, s.state, s.checkpoint])).toEqual(
      ["board", "timeline", "completeness", "cases", "access", "fleet", "arrivals", "blood", "mdt"].map(
        (n) => [n, "ready", last],
      ),
    );
    await r.close();
    expect(dumpReadModels(file, allModels())).toEqual(await freshRebuild());
  });

  it("property: incremental batches of any size with a restart anywhere equal a rebuild from zero, row for row", async () => {
    const actions = [
      "request",
      "accept",
      "declineGreen",
      "declineRedirect",
      "transfer",
      "dispatch",
      "depart",
      "arrive",
      "handover",
      "cancel",
      "bad",
    ] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ n: fc.integer({ min: 1, max: 4 }), action: fc.constantFrom(...actions) }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 40 }),
        fc.nat(40),
        async (steps, batchSizes, restartAfter) => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
          dir = mkdtempSync(join(tmpdir(), "mtc-runner-"));
          file = join(dir, "readmodels-test.db");
          store = openSqliteEventStore({ path: join(dir, "events.db") });
          const log = createLog();
          steps.forEach(({ n, action }, minute) => {
            const c = { caseId: `c${n}` };
            const r = `referral-r${n}`;
            const t = `transfer-t${n}`;
            if (action === "request")
              log.record(r, "ReferralRequested", data.referralRequested(`r${n}`, `c${n}`, minute), c);
            if (action === "accept")
              log.record(r, "ReferralAccepted", data.referralAccepted(`r${n}`, minute), c);
            if (action === "declineGreen") {
              const green = data.referralRequested(`r${n}`, `c${n}`, minute, {
                riskGrade: "green",
                urgency: "routine",
              });
              log.record(r, "ReferralRequested", green, c);
              log.record(r, "ReferralDeclined", data.referralDeclined(`r${n}`, minute), c);
            }
            if (action === "declineRedirect") {
              const one = { ...c, commandId: `cmd_redirect_${minute}` };
              log.record(r, "ReferralDeclined", data.referralDeclined(`r${n}`, minute), one);
              log.record(r, "ReferralRedirected", data.referralRedirected(`r${n}`, minute), one);
            }
            if (action === "transfer")
              log.record(t, "TransferRequested", data.transferRequested(`t${n}`, `c${n}`, minute), c);
            if (action === "dispatch")
              log.record(t, "UnitDispatched", data.unitDispatched(`t${n}`, minute), c);
            if (action === "depart")
              log.record(t, "TransferDeparted", data.transferDeparted(`t${n}`, minute), c);
            if (action === "arrive")
              log.record(t, "TransferArrived", data.transferArrived(`t${n}`, minute), c);
            if (action === "handover")
              log.record(t, "HandoverCompleted", data.handoverCompleted(`t${n}`, minute), c);
            if (action === "cancel")
              log.record(t, "TransferCancelled", data.transferCancelled(`t${n}`, minute), c);
            // An event a model cannot take: it fails its own document only.
            if (action === "bad") log.record(t, "UnitDispatched", { transferId: `t${n}` }, c);
          });
          let r = runner({ liveBatchSize: 3 });
          await r.start();
          let appended = 0;
          let restarted = false;
          for (const size of [...batchSizes, log.events.length]) {
            if (appended >= log.events.length) break;
            const chunk = log.events.slice(appended, appended + size);
            appended += chunk.length;
            const last = await appendTogether(chunk);
            if (!restarted && appended >= restartAfter) {
              // Restart before the runner has necessarily seen the chunk: it resumes from its checkpoint.
              await r.close();
              r = runner({ liveBatchSize: 3 });
              await r.start();
              restarted = true;
            }
            await r.whenCaughtUpTo(last);
          }
          await r.close();
          expect(dumpReadModels(file, allModels())).toEqual(await freshRebuild());
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);

  it("events the store hands over inside subscribeAll (written between catch-up and subscription) are applied", async () => {
    const [first, ...rest] = caseEvents();
    await appendTogether([first as RecordedEvent]);
    // The log grows right after the catch-up read its last page: the subscription then delivers those events
    // synchronously from inside subscribeAll (the embedded store does), before the runner holds its handle.
    let grown = false;
    const racing: EventStore = {
      ...store,
      readAll: async (options) => {
        const page = await store.readAll(options);
        if (!grown && page.length < (options?.maxCount ?? 500)) {
          grown = true;
          await appendTogether(rest);
        }
        return page;
      },
    };
    const r = createReadModelRunner({
      store: racing,
      path: file,
      models: allModels(),
      categories: categoriesOf(allModels()),
    });
    await r.start();
    await r.whenReady();
    await r.whenCaughtUpTo(await store.headPosition());
    await r.close();
    expect(grown).toBe(true);
    expect(dumpReadModels(file, allModels())).toEqual(await freshRebuild());
  });

  it("one bad event fails its document only: the model goes on with everything else", async () => {
    const log = createLog();
    log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 0), { caseId: "c1" });
    log.record("transfer-t1", "UnitDispatched", { transferId: "t1", occurredAt: 42 }, { caseId: "c1" });
    log.record("transfer-t1", "TransferDeparted", data.transferDeparted("t1", 20), { caseId: "c1" });
    log.record("transfer-t2", "TransferRequested", data.transferRequested("t2", "c2", 30), { caseId: "c2" });
    const last = await appendTogether(log.events);
    const logged: RunnerLogEntry[] = [];
    const r = runner({ log: (e) => logged.push(e) });
    await r.start();
    await r.whenReady();
    expect(r.status().every((s) => s.state === "ready" && s.checkpoint === last)).toBe(true);
    expect(Object.fromEntries(r.status().map((s) => [s.name, s.failedDocuments]))).toEqual({
      board: 1,
      timeline: 1,
      completeness: 1,
      cases: 1,
      access: 0,
      fleet: 0,
      arrivals: 1,
      blood: 0,
      // The bad event is a transfer's: the MDT model does not take transfer events.
      mdt: 0,
    });
    const board = boardQueries(r.reader()).items();
    expect(board.map((i) => [i.id, i.step])).toEqual([
      ["transfer-t1", "requested"],
      ["transfer-t2", "requested"],
    ]);
    expect(logged.some((e) => e.msg.startsWith("document failed"))).toBe(true);
    await r.close();
    expect(readModelStatus(file).models.map((m) => m.failedDocuments)).toEqual([1, 1, 1, 1, 0, 0, 1, 0, 0]);
  });

  it("a version bump rebuilds that model only, in the background, and a held rebuild does not delay the live board", async () => {
    await appendTogether(caseEvents());
    const first = runner();
    await first.start();
    await first.whenReady();
    await first.close();

    const bumped = allModels().map((m) => (m.name === "timeline" ? { ...m, version: m.version + 1 } : m));
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const logged: RunnerLogEntry[] = [];
    const r = runner({
      models: bumped,
      pageSize: 2,
      pace: (models) => (models.includes("timeline") ? gate : Promise.resolve()),
      log: (e) => logged.push(e),
    });
    await r.start();
    expect(r.stateOf("timeline")).toBe("rebuilding");
    expect(logged.some((e) => e.msg === "rebuilding timeline from the log")).toBe(true);
    const log = createLog();
    const late = log.record("transfer-t9", "TransferRequested", data.transferRequested("t9", "c9", 90), {
      caseId: "c9",
    });
    const position = await appendTogether([{ ...late, id: "00000000-0000-4000-8000-999999999999" }]);
    await r.whenCaughtUpTo(position);
    expect(
      boardQueries(r.reader())
        .items()
        .map((i) => i.id),
    ).toContain("transfer-t9");
    expect(r.stateOf("timeline")).toBe("rebuilding");
    expect(r.status().find((s) => s.name === "timeline")?.progress).toBeLessThan(1);
    release();
    await r.whenReady();
    expect(r.stateOf("timeline")).toBe("ready");
    await r.close();
    expect(dumpReadModels(file, bumped)).toEqual(await freshRebuild(bumped));
  });

  it("a corrupt file is moved aside and rebuilt from the log", async () => {
    await appendTogether(caseEvents());
    const first = runner();
    await first.start();
    await first.whenReady();
    await first.close();
    writeFileSync(file, Buffer.alloc(8192, 0x5a));
    const logged: RunnerLogEntry[] = [];
    const r = runner({ log: (e) => logged.push(e) });
    await r.start();
    await r.whenReady();
    await r.close();
    expect(readdirSync(dir).some((f) => f.startsWith("readmodels-test.db.corrupt-"))).toBe(true);
    expect(logged.some((e) => e.level === "error" && e.msg.includes("corrupt"))).toBe(true);
    expect(dumpReadModels(file, allModels())).toEqual(await freshRebuild());
  });

  it("an offline rebuild replaces a file no service holds, and is left as .next (adopted at start) when one does", async () => {
    await appendTogether(caseEvents());
    const offline = await rebuildInto({
      store,
      path: file,
      models: allModels(),
      categories: categoriesOf(allModels()),
    });
    expect(offline.adopted).toBe("now");
    const owner = runner({ owner: true });
    await owner.start();
    await owner.whenReady();
    const held = await rebuildInto({
      store,
      path: file,
      models: allModels(),
      categories: categoriesOf(allModels()),
      only: ["board"],
    });
    expect(held.adopted).toBe("next_start");
    expect(existsSync(`${file}.next`)).toBe(true);
    await owner.close();
    const adopter = runner({ owner: true });
    await adopter.start();
    await adopter.whenReady();
    await adopter.close();
    expect(existsSync(`${file}.next`)).toBe(false);
    expect(dumpReadModels(file, allModels())).toEqual(await freshRebuild());
  });
});
