import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type EventStore,
  openSqliteEventStore,
  type RecordedEvent,
  type Subscription,
} from "@mtc/eventstore";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { boardProjection } from "../board/index.js";
import { completenessProjection } from "../completeness/index.js";
import type { AnyProjection } from "../shared/projection.js";
import { createLog, data } from "../testing/fixtures.js";
import { timelineProjection } from "../timeline/index.js";
import { rebuildFromScratch } from "./rebuild.js";
import { createProjectionRunner, type RunnerLogEntry } from "./runner.js";
import { openSqliteSnapshotStore } from "./sqliteSnapshotStore.js";

/**
 * Delegates to the real store; `crash()` stops delivery without letting the runner close (no final save),
 * as a killed process would.
 */
const crashable = (store: EventStore) => {
  const subscriptions = new Set<Subscription>();
  const wrapped: EventStore = {
    ...store,
    append: (...args) => store.append(...args),
    readStream: (...args) => store.readStream(...args),
    readAll: (...args) => store.readAll(...args),
    headPosition: () => store.headPosition(),
    close: () => store.close(),
    subscribeAll: (options) => {
      const subscription = store.subscribeAll(options);
      subscriptions.add(subscription);
      return subscription;
    },
  };
  const crash = async () => {
    for (const s of subscriptions) await s.close();
  };
  return { store: wrapped, crash };
};

/** Appends fixture events one by one, in order; returns them as the store recorded them. */
const appendAll = async (store: EventStore, events: readonly RecordedEvent[]): Promise<RecordedEvent[]> => {
  const head = await store.headPosition();
  for (const { streamId, id, type, data: eventData, metadata } of events) {
    await store.append(streamId, [{ id, type, data: eventData, metadata }], "any");
  }
  return store.readAll({ after: head, maxCount: 10_000 });
};

/** Wraps projections to count how many events each one's evolve really took. */
const counting = (projections: readonly AnyProjection[]) => {
  const counts: Record<string, number> = {};
  const wrapped = projections.map(
    (p): AnyProjection => ({
      ...p,
      evolve: (state, event) => {
        counts[p.name] = (counts[p.name] ?? 0) + 1;
        return p.evolve(state, event);
      },
    }),
  );
  return { counts, wrapped };
};

const projections: readonly AnyProjection[] = [boardProjection, timelineProjection, completenessProjection];

/** A referral, a transfer through handover, and a second open transfer: every event handled by some projection. */
const caseEvents = (log: ReturnType<typeof createLog>) => {
  const c1 = { caseId: "c1" };
  log.record("referral-r1", "ReferralRequested", data.referralRequested("r1", "c1", 0), c1);
  log.record("referral-r1", "ReferralAccepted", data.referralAccepted("r1", 4), c1);
  log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 5), c1);
  log.record("transfer-t1", "UnitDispatched", data.unitDispatched("t1", 7), c1);
  log.record("transfer-t1", "UnitArrivedAtOrigin", data.unitArrivedAtOrigin("t1", 20), c1);
  log.record("transfer-t1", "TransferDeparted", data.transferDeparted("t1", 25), c1);
  log.record("transfer-t1", "EnRouteCareRecorded", data.enRouteCare("t1", 30), c1);
  log.record("transfer-t1", "TransferArrived", data.transferArrived("t1", 60), c1);
  log.record("transfer-t1", "HandoverCompleted", data.handoverCompleted("t1", 62), {
    ...c1,
    recordedAtMinutes: 100,
  });
  log.record("transfer-t2", "TransferRequested", data.transferRequested("t2", "c2", 70), { caseId: "c2" });
};

let dir: string;
let file: string;
let events: EventStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mtc-projections-"));
  file = join(dir, "snapshots.db");
  events = openSqliteEventStore({ path: join(dir, "events.db") });
});
afterEach(async () => {
  await events.close();
  rmSync(dir, { recursive: true, force: true });
});

const states = (runner: ReturnType<typeof createProjectionRunner>) =>
  Object.fromEntries(projections.map((p) => [p.name, runner.current(p.name)]));

describe("projection runner (real SQLite event store)", () => {
  it("resumes after a crash from its last snapshot, replays only the rest, and equals a fresh rebuild", async () => {
    const log = createLog();
    caseEvents(log);
    const first = await appendAll(events, log.events.slice(0, 3));
    const live = crashable(events);
    const snapshotsA = openSqliteSnapshotStore({ path: file });
    const a = createProjectionRunner({
      store: live.store,
      projections,
      snapshots: snapshotsA,
      saveEveryEvents: 4,
      saveEveryMs: 60_000,
    });
    await a.start();
    await a.whenLive(); // catch-up ends with a save at the 3rd event
    expect(snapshotsA.load("board")?.checkpoint).toBe(first.at(-1)?.position);
    const rest = await appendAll(events, log.events.slice(3));
    const last = rest.at(-1)?.position ?? -1;
    await a.whenCaughtUpTo(last);
    expect(a.status().map((s) => s.state)).toEqual(["live", "live", "live"]);
    await live.crash(); // 7 live events: a save after the 4th, the last 3 never saved

    const { counts, wrapped } = counting(projections);
    const snapshotsB = openSqliteSnapshotStore({ path: file });
    expect(snapshotsB.load("board")?.checkpoint).toBe(rest[3]?.position);
    const b = createProjectionRunner({ store: events, projections: wrapped, snapshots: snapshotsB });
    await b.start();
    await b.whenLive();
    expect(counts).toEqual({ board: 3, timeline: 3, completeness: 3 });
    expect(states(b)).toEqual(rebuildFromScratch([...first, ...rest], projections).states);
    expect(b.status().map((s) => s.checkpoint)).toEqual([last, last, last]);
    await b.close();
    snapshotsA.close();
    snapshotsB.close();
  });

  it("after a clean close a new runner re-applies nothing", async () => {
    const log = createLog();
    caseEvents(log);
    await appendAll(events, log.events);
    const snapshotsA = openSqliteSnapshotStore({ path: file });
    const a = createProjectionRunner({ store: events, projections, snapshots: snapshotsA });
    await a.start();
    await a.whenLive();
    const before = states(a);
    await a.close();
    snapshotsA.close();

    const { counts, wrapped } = counting(projections);
    const snapshotsB = openSqliteSnapshotStore({ path: file });
    const b = createProjectionRunner({ store: events, projections: wrapped, snapshots: snapshotsB });
    await b.start();
    await b.whenLive();
    expect(counts).toEqual({});
    expect(states(b)).toEqual(before);
    await b.close();
    snapshotsB.close();
  });

  it("a bad event stops the projections that handle it, reported with position and reason; others go on", async () => {
    const log = createLog();
    const c1 = { caseId: "c1" };
    log.record("referral-r1", "ReferralRequested", data.referralRequested("r1", "c1", 0), c1);
    log.record("referral-r1", "ReferralAccepted", { referralId: "r1", occurredAt: "yesterday" }, c1);
    log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 5), c1);
    const recorded = await appendAll(events, log.events);
    const bad = recorded[1]?.position;
    const entries: RunnerLogEntry[] = [];
    const snapshots = openSqliteSnapshotStore({ path: file });
    const runner = createProjectionRunner({
      store: events,
      projections,
      snapshots,
      log: (e) => entries.push(e),
    });
    await runner.start();
    await runner.whenLive();
    const [board, timeline, completeness] = runner.status();
    expect(board).toMatchObject({ state: "failed", checkpoint: recorded[0]?.position });
    expect(board?.failure).toMatchObject({ position: bad, type: "ReferralAccepted" });
    expect(board?.failure?.reason).toMatch(/ReferralAccepted/);
    expect(timeline).toMatchObject({ state: "failed", failure: { position: bad } });
    expect(completeness).toMatchObject({ state: "live", checkpoint: recorded[2]?.position });
    expect(runner.current("completeness")).toEqual(
      rebuildFromScratch(recorded, projections).states.completeness,
    );
    const stops = entries.filter((e) => e.level === "error" && e.msg === "projection stopped");
    expect(stops.map((e) => [e.projection, e.position])).toEqual([
      ["board", bad],
      ["timeline", bad],
    ]);
    await runner.close();
    snapshots.close();
  });

  it("an unknown event type stops a projection that takes every event (never skipped silently)", async () => {
    const log = createLog();
    log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 0), { caseId: "c1" });
    log.record("mdt-m1", "MdtTeleported", { occurredAt: "2026-03-01T08:00:00.000Z" }, { caseId: "c1" });
    await appendAll(events, log.events);
    const snapshots = openSqliteSnapshotStore({ path: file });
    const runner = createProjectionRunner({ store: events, projections, snapshots });
    await runner.start();
    await runner.whenLive();
    expect(runner.status().map((s) => s.state)).toEqual(["live", "failed", "live"]);
    expect(runner.status()[1]?.failure?.reason).toMatch(/unknown event type MdtTeleported/);
    await runner.close();
    snapshots.close();
  });

  it("rebuild from zero equals the incremental state, for one projection or all", async () => {
    const log = createLog();
    caseEvents(log);
    const snapshots = openSqliteSnapshotStore({ path: file });
    const seen: number[] = [];
    const sameState: boolean[] = [];
    const runner = createProjectionRunner({ store: events, projections, snapshots, saveEveryEvents: 2 });
    runner.onApplied((event, current) => {
      seen.push(event.recorded.position);
      sameState.push(current.board === runner.current("board"));
    });
    await runner.start();
    await runner.whenLive();
    const recorded: RecordedEvent[] = [];
    for (const e of log.events) {
      const result = await events.append(e.streamId, [e], "any");
      await runner.whenCaughtUpTo(result.position); // read-your-writes, one event at a time
      recorded.push(...(await events.readAll({ after: result.position - 1, maxCount: 1 })));
    }
    expect(seen).toEqual(recorded.map((e) => e.position));
    expect(sameState.every(Boolean)).toBe(true);
    const incremental = states(runner);
    expect(incremental).toEqual(rebuildFromScratch(recorded, projections).states);
    await runner.rebuild("board");
    expect(states(runner)).toEqual(incremental);
    await runner.rebuild();
    expect(states(runner)).toEqual(incremental);
    expect(runner.status().every((s) => s.state === "live")).toBe(true);
    expect(runner.lag(await events.headPosition())).toEqual({ board: 0, timeline: 0, completeness: 0 });
    await runner.close();
    snapshots.close();
  });

  it("discards a snapshot written by another projection version and rebuilds", async () => {
    const log = createLog();
    caseEvents(log);
    await appendAll(events, log.events);
    const snapshots = openSqliteSnapshotStore({ path: file });
    const a = createProjectionRunner({ store: events, projections, snapshots });
    await a.start();
    await a.whenLive();
    await a.close();

    const { counts, wrapped } = counting([{ ...boardProjection, version: boardProjection.version + 1 }]);
    const b = createProjectionRunner({ store: events, projections: wrapped, snapshots });
    await b.start();
    await b.whenLive();
    expect(counts.board).toBe(log.events.length);
    expect(b.current("board")).toEqual(a.current("board"));
    await b.close();
    expect(snapshots.load("board")?.version).toBe(boardProjection.version + 1);
    snapshots.close();
  });
});
