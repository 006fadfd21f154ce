import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EventStore, openSqliteEventStore, type RecordedEvent } from "@mtc/eventstore";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { benchReference } from "../../../../scripts/bench/region.js";
import { writeRegion } from "../../../../scripts/mtc/synthetic/region.js";
import { allModels, DOMAIN_CATEGORIES } from "../index.js";
import { rebuildInto } from "../runner/rebuild.js";
import { createReadModelRunner, type ReadModelRunner } from "../runner/runner.js";
import { toProjectedEvent } from "../shared/projectedEvent.js";
import { timelineQueries } from "../timeline/index.js";
import { applyToBoard, shownItems } from "./evolve.js";
import { boardAsOf } from "./model.js";
import type { BoardItem } from "./state.js";

const EVENTS = 4_000;
const EVERY_EVENTS = 700;

/** As-of answers on a generated log, against a plain fold of exactly the events recorded by then. */
describe("as-of on a generated log (board across several checkpoints, timeline)", () => {
  let dir: string;
  let store: EventStore;
  let runner: ReadModelRunner;
  const events: RecordedEvent[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mtc-asof-"));
    // A synthetic region over three weeks: recordedAt spans days, so checkpoints are taken by count and by time.
    await writeRegion({
      path: join(dir, "events.db"),
      events: EVENTS,
      seed: 11,
      reference: benchReference(),
      until: new Date("2026-01-31T00:00:00.000Z"),
      years: 21 / 365.25,
    });
    store = openSqliteEventStore({ path: join(dir, "events.db") });
    for (let after = -1; ; ) {
      const page = await store.readAll({ after, maxCount: 1_000, categories: DOMAIN_CATEGORIES });
      events.push(...page);
      if (page.length < 1_000) break;
      after = (page.at(-1) as RecordedEvent).position;
    }
    runner = createReadModelRunner({
      store,
      path: join(dir, "readmodels-asof.db"),
      models: allModels({ everyEvents: EVERY_EVENTS, everyMinutes: 240 }),
      categories: DOMAIN_CATEGORIES,
      pageSize: 450,
    });
    await runner.start();
    await runner.whenReady();
  }, 120_000);
  afterAll(async () => {
    await runner.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const foldUntil = (asOf: Date): BoardItem[] => {
    const items = new Map<string, BoardItem>();
    for (const e of events) {
      if (Date.parse(e.recordedAt) > asOf.getTime()) break;
      const parsed = toProjectedEvent(e);
      if (parsed.ok) applyToBoard(items, parsed.projected);
    }
    return shownItems(items.values());
  };
  const byId = (items: BoardItem[]) => [...items].sort((a, b) => (a.id < b.id ? -1 : 1));
  const instants = () => {
    const first = Date.parse((events[0] as RecordedEvent).recordedAt);
    const last = Date.parse((events.at(-1) as RecordedEvent).recordedAt);
    return [0, 0.11, 0.29, 0.5, 0.73, 0.9, 1].map((f) => new Date(first + Math.round(f * (last - first))));
  };

  it("the board as of an instant equals a fold of the events recorded by then", async () => {
    const reader = runner.reader();
    const checkpoints =
      reader.prepare<[], number>("SELECT count(*) FROM board_checkpoints").pluck().get() ?? 0;
    expect(checkpoints).toBeGreaterThanOrEqual(4);
    for (const asOf of instants()) {
      const answer = await boardAsOf(store, reader, asOf, DOMAIN_CATEGORIES);
      expect(byId(answer.items), asOf.toISOString()).toEqual(byId(foldUntil(asOf)));
    }
    const before = await boardAsOf(store, reader, new Date("2025-01-01T00:00:00.000Z"), DOMAIN_CATEGORIES);
    expect(before.items).toEqual([]);
  });

  it("replays at most a checkpoint interval (plus a page) from the store", async () => {
    const counting: EventStore = {
      ...store,
      readAll: async (options) => {
        const page = await store.readAll(options);
        read += page.length;
        return page;
      },
    };
    let read = 0;
    const asOf = instants()[5] as Date;
    await boardAsOf(counting, runner.reader(), asOf, DOMAIN_CATEGORIES);
    expect(read).toBeLessThanOrEqual(EVERY_EVENTS + 2_000);
    expect(read).toBeLessThan(events.length / 2);
  });

  it("a rebuild in one page of the whole log keeps a board checkpoint every interval, and the same as-of answers", async () => {
    const path = join(dir, "readmodels-one-page.db");
    await rebuildInto({
      store,
      path,
      models: allModels({ everyEvents: EVERY_EVENTS, everyMinutes: 240 }),
      categories: DOMAIN_CATEGORIES,
      pageSize: EVENTS * 2,
    });
    const reader = new Database(path, { readonly: true });
    const positions = reader
      .prepare<[], number>("SELECT position FROM board_checkpoints ORDER BY position")
      .pluck()
      .all();
    // Checkpoints fall inside the single batch, never more than an interval apart (by count or by time).
    expect(positions.length).toBeGreaterThanOrEqual(Math.floor(events.length / EVERY_EVENTS));
    for (let i = 1; i < positions.length; i++)
      expect((positions[i] as number) - (positions[i - 1] as number)).toBeLessThanOrEqual(EVERY_EVENTS);
    for (const asOf of instants()) {
      const answer = await boardAsOf(store, reader, asOf, DOMAIN_CATEGORIES);
      expect(byId(answer.items), asOf.toISOString()).toEqual(byId(foldUntil(asOf)));
    }
    reader.close();
  });

  it("a case's timeline as of an instant is exactly its events recorded by then", () => {
    const reader = new Database(join(dir, "readmodels-asof.db"), { readonly: true });
    const timeline = timelineQueries(reader);
    const caseIds = [...new Set(events.map((e) => e.metadata.caseId))].slice(0, 30);
    for (const asOf of instants()) {
      for (const caseId of caseIds) {
        const expected = events
          .filter((e) => e.metadata.caseId === caseId && Date.parse(e.recordedAt) <= asOf.getTime())
          .map((e) => e.position);
        expect(timeline.entries(caseId, asOf).map((e) => e.position)).toEqual(expected);
      }
    }
    reader.close();
  });
});
