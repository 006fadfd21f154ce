import { readFileSync } from "node:fs";
import { DEMO_REGION_FILE } from "@mtc/coordinator";
import { ReferenceData, referenceLookup } from "@mtc/domain";
import { openSqliteEventStore, type RecordedEvent } from "@mtc/eventstore";
import {
  type AnyProjection,
  allProjections,
  type BoardState,
  createInMemorySnapshotStore,
  createProjectionRunner,
  handlesType,
  type ProjectedEvent,
  toProjectedEvent,
} from "@mtc/projections";
import Database from "better-sqlite3";
import { emptyStats, synthesise, writeRegion } from "../mtc/synthetic/region.js";
import { fmt, header, log, memLine, now, printResult, type Result, scaled, tempDir } from "./common.js";

const PROFILE_PREFIX = 100_000;
/** The log ends on a fixed day so that every run writes the same events. */
const UNTIL = new Date("2026-06-30T23:59:59.999+08:00");
const reference = referenceLookup(
  ReferenceData.parse(JSON.parse(readFileSync(DEMO_REGION_FILE, "utf8")) as unknown),
);

/** Baseline: every row in log order straight from better-sqlite3, data and metadata parsed. */
const rawRead = (path: string): number => {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db
      .prepare<[], { position: number; data: string; metadata: string; type: string }>(
        "SELECT position, event_id, stream_id, revision, type, data, metadata, recorded_at FROM events ORDER BY position",
      )
      .iterate();
    let count = 0;
    let checksum = 0;
    for (const row of rows) {
      const data = JSON.parse(row.data) as { occurredAt?: string };
      const metadata = JSON.parse(row.metadata) as { schemaVersion: number };
      checksum += metadata.schemaVersion + (data.occurredAt ? 1 : 0);
      count++;
    }
    if (checksum === 0 && count > 0) throw new Error("unexpected raw read");
    return count;
  } finally {
    db.close();
  }
};

/** Where the time goes: parsing (zod) once, then each projection's evolve alone on pre-parsed events. */
const profile = (events: readonly RecordedEvent[]): string[] => {
  const lines: string[] = [];
  let t0 = now();
  const projected: ProjectedEvent[] = [];
  for (const e of events) {
    const r = toProjectedEvent(e);
    if (r.ok) projected.push(r.projected);
  }
  const parseMs = now() - t0;
  lines.push(
    `parse (parseDomainEvent via toProjectedEvent): ${fmt(parseMs)} ms = ${fmt((parseMs * 1000) / events.length, 2)} µs/event`,
  );
  for (const p of allProjections as readonly AnyProjection[]) {
    let state = p.initialState();
    let applied = 0;
    t0 = now();
    for (const pe of projected) {
      // `handles` is checked on the recorded type, as the runner does.
      if (!handlesType(p, pe.event.type)) continue;
      state = p.evolve(state, pe);
      applied++;
    }
    const ms = now() - t0;
    const extra =
      p.name === "board" ? `; ${Object.keys((state as BoardState).items).length} items open at the end` : "";
    lines.push(
      `evolve ${p.name} alone: ${fmt(ms)} ms for ${applied} events = ${fmt((ms * 1000) / Math.max(1, applied), 2)} µs/event${extra}`,
    );
  }
  return lines;
};

/**
 * Board evolve cost against how many items are open: shows whether it grows with the board's size. The same
 * 20,000 events spread over fewer days keep more cases open at once.
 */
const boardScaling = (): string[] => {
  const board = allProjections.find((p) => p.name === "board") as AnyProjection;
  return [365, 60, 15, 4].map((days) => {
    const projected: ProjectedEvent[] = [];
    let position = 0;
    const options = { events: 20_000, seed: 7, reference, until: UNTIL, years: days / 365.25 };
    for (const planned of synthesise(options, emptyStats())) {
      const base = typeof planned.expectedRevision === "number" ? planned.expectedRevision + 1 : 0;
      planned.events.forEach((e, i) => {
        const r = toProjectedEvent({
          ...e,
          streamId: planned.streamId,
          revision: base + i,
          position: position++,
          recordedAt: planned.recordedAt,
        });
        if (r.ok) projected.push(r.projected);
      });
    }
    let state = board.initialState();
    const t0 = now();
    for (const pe of projected) state = board.evolve(state, pe);
    const ms = now() - t0;
    const open = Object.keys((state as BoardState).items).length;
    return `20,000 events over ${days} days (${open} items open at the end): ${fmt((ms * 1000) / projected.length, 2)} µs/event`;
  });
};

export const runRebuild = async (): Promise<Result[]> => {
  header("2. rebuild — all projections from the embedded store vs raw better-sqlite3 read + JSON.parse");
  const total = scaled(1_000_000, 1_000);
  log(`  sizes: ${fmt(total)} events of a synthetic region (pnpm mtc generate, seed 42)`);
  const tmp = tempDir("rebuild");
  const path = tmp.file("events.db");
  try {
    let t0 = now();
    const written = await writeRegion({ path, events: total, seed: 42, reference, until: UNTIL });
    const writeS = (now() - t0) / 1000;
    log(
      `  wrote ${fmt(written.events)} events of ${fmt(written.cases)} cases (${written.from?.slice(0, 10)} … ${written.to?.slice(0, 10)}) ` +
        `in ${writeS.toFixed(1)} s = ${fmt(written.events / writeS)} events/s; ${memLine()}`,
    );

    t0 = now();
    const rawCount = rawRead(path);
    const rawS = (now() - t0) / 1000;
    const rawRate = rawCount / rawS;
    log(
      `  (a) raw read + JSON.parse: ${fmt(rawCount)} rows in ${rawS.toFixed(2)} s = ${fmt(rawRate)} events/s`,
    );

    // The production path: a projection runner with no snapshots catches up from the start of the log through
    // the store's subscription (paged reads, parse, every projection's evolve), exactly as a service does on a
    // rebuild. Events are let go once folded, so only the projections' states stay in memory.
    const store = openSqliteEventStore({ path });
    global.gc?.();
    const runner = createProjectionRunner({
      store,
      projections: allProjections,
      snapshots: createInMemorySnapshotStore(),
      saveEveryMs: 3_600_000,
      saveEveryEvents: Number.MAX_SAFE_INTEGER,
    });
    t0 = now();
    await runner.start();
    await runner.whenLive();
    const rebuildS = (now() - t0) / 1000;
    const count = rawCount;
    const rebuildRate = count / rebuildS;
    const failures = runner.status().filter((s) => s.failure);
    const board = runner.current<BoardState>("board");
    await runner.close();
    log(
      `  (b) projection runner, rebuild from zero (all ${allProjections.length} projections): ${fmt(count)} events in ` +
        `${rebuildS.toFixed(2)} s = ${fmt(rebuildRate)} events/s; ${memLine()}`,
    );
    log(
      `      failures: ${failures.length === 0 ? "none (every event parsed)" : JSON.stringify(failures)}; ` +
        `board items open: ${Object.keys(board.items).length}`,
    );
    const prefix = (await store.readAll({ maxCount: Math.min(count, PROFILE_PREFIX) })).slice();
    await store.close();
    if (failures.length > 0) throw new Error("some events did not parse: the generator is wrong");

    const result: Result = {
      section: "rebuild",
      metric: "rebuild events/s",
      unit: "ev/s",
      value: rebuildRate,
      baseline: rawRate,
      target: { kind: "ratio-min", threshold: 0.5 },
      note: `runner catch-up from zero, ${rebuildS.toFixed(1)} s`,
    };
    printResult(result);

    log(`  profile on the first ${fmt(prefix.length)} events:`);
    for (const line of profile(prefix)) log(`      ${line}`);
    log("  board evolve vs cases open at once (in-memory log of 20,000 events each, no store):");
    for (const line of boardScaling()) log(`      ${line}`);
    return [result];
  } finally {
    tmp.cleanup();
  }
};
