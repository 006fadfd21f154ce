import { type EventStore, openSqliteEventStore, type RecordedEvent } from "@mtc/eventstore";
import {
  allModels,
  applyToBoard,
  type BoardItem,
  categoriesOf,
  createReadModelRunner,
  type DocumentModel,
  databaseBytes,
  type ProjectedEvent,
  rebuildReadModels,
  timelineEntryOf,
  toProjectedEvent,
} from "@mtc/projections";
import Database from "better-sqlite3";
import { emptyStats, synthesise } from "../mtc/synthetic/region.js";
import { fmt, header, log, memLine, now, printResult, type Result, scaled, tempDir } from "./common.js";
import { BENCH_UNTIL, benchReference, benchRegion, copyRegion } from "./region.js";

const PROFILE_PREFIX = 100_000;
/** The log size the scale run's rebuild time is compared with (issue 7 §4): one year of the bench's region. */
const REFERENCE_EVENTS = 1_000_000;

/** Every column of every event, in log order: what both baselines read. */
const LOG_ROWS =
  "SELECT position, event_id, stream_id, revision, type, data, metadata, recorded_at FROM events ORDER BY position";

/** Baseline: every row in log order straight from better-sqlite3, data and metadata parsed. */
const rawRead = (path: string): number => {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db
      .prepare<[], { position: number; data: string; metadata: string; type: string }>(LOG_ROWS)
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

/**
 * A floor under any SQLite read model: the raw read and parse, plus one prepared INSERT per event of the
 * smallest row the timeline needs (case, position, occurredAt, recordedAt, actor) into a fresh file, without
 * index or fsync, 20,000 rows a transaction. Every model together writes more than this.
 */
const rawReadAndOneRow = (path: string, scratch: string): number => {
  const db = new Database(path, { readonly: true });
  const out = new Database(scratch);
  try {
    out.pragma("journal_mode = OFF");
    out.pragma("synchronous = OFF");
    out.exec(
      "CREATE TABLE t (position INTEGER PRIMARY KEY, case_id TEXT, occurred_at TEXT, recorded_at TEXT, actor TEXT)",
    );
    const insert = out.prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?)");
    const rows = db
      .prepare<[], { position: number; data: string; metadata: string; recorded_at: string }>(LOG_ROWS)
      .iterate();
    let count = 0;
    out.exec("BEGIN");
    for (const row of rows) {
      const data = JSON.parse(row.data) as { occurredAt?: string };
      const metadata = JSON.parse(row.metadata) as { caseId: string; actor: { userId: string } };
      insert.run(
        row.position,
        metadata.caseId,
        data.occurredAt ?? "",
        row.recorded_at,
        metadata.actor.userId,
      );
      if (++count % 20_000 === 0) {
        out.exec("COMMIT");
        out.exec("BEGIN");
      }
    }
    out.exec("COMMIT");
    return count;
  } finally {
    db.close();
    out.close();
  }
};

/** Where the time goes, in memory (no SQLite): reading each event, then each model's evolve alone. */
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
    `read (toProjectedEvent, current schema trusted): ${fmt(parseMs)} ms = ${fmt((parseMs * 1000) / events.length, 2)} µs/event`,
  );
  for (const model of allModels()) {
    t0 = now();
    let applied = 0;
    if (model.kind === "rows") {
      for (const pe of projected) {
        timelineEntryOf(pe);
        applied++;
      }
    } else {
      const docs = new Map<string, unknown>();
      const handles = model.handles ? new Set(model.handles) : undefined;
      for (const pe of projected) {
        if (handles && !handles.has(pe.event.type)) continue;
        const key = model.keyOf(pe.recorded);
        const next = (model as DocumentModel<unknown>).evolve(docs.get(key) ?? null, pe);
        if (next === null) docs.delete(key);
        else docs.set(key, next);
        applied++;
      }
    }
    const ms = now() - t0;
    lines.push(
      applied === 0
        ? `evolve ${model.name} alone: none of its events in the prefix (${fmt(ms)} ms to pass over the others)`
        : `evolve ${model.name} alone: ${fmt(ms)} ms for ${applied} events = ${fmt((ms * 1000) / applied, 2)} µs/event`,
    );
  }
  return lines;
};

/**
 * Board evolve cost against how many items are open: shows whether it grows with the board's size. The same
 * 20,000 events spread over fewer days keep more cases open at once.
 */
const boardScaling = (): string[] => {
  const reference = benchReference();
  return [365, 60, 15, 4].map((days) => {
    const projected: ProjectedEvent[] = [];
    let position = 0;
    const options = { events: 20_000, seed: 7, reference, until: BENCH_UNTIL, years: days / 365.25 };
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
    const items = new Map<string, BoardItem>();
    const t0 = now();
    for (const pe of projected) applyToBoard(items, pe);
    const ms = now() - t0;
    return `20,000 events over ${days} days (${items.size} items open at the end): ${fmt((ms * 1000) / projected.length, 2)} µs/event`;
  });
};

// CPU seconds beside wall seconds: on a shared machine the wall clock also measures the neighbours.
const cpuSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

/**
 * The production path: a service starting without a read-model file rebuilds every model through the runner's
 * catch-up (paged reads, one transaction a page, row writes), exactly as at a version change.
 */
const runnerRebuild = async (store: EventStore, file: string) => {
  const runner = createReadModelRunner({
    store,
    path: file,
    models: allModels(),
    categories: categoriesOf(allModels()),
  });
  const t0 = now();
  const cpu0 = process.cpuUsage();
  await runner.start();
  await runner.whenReady();
  const seconds = (now() - t0) / 1000;
  const cpuSeconds = cpuSince(cpu0);
  const status = runner.status();
  const failed =
    status.reduce((sum, s) => sum + s.failedDocuments, 0) + status.filter((s) => s.failure).length;
  const open = runner.reader().prepare<[], number>("SELECT count(*) FROM board_items").pluck().get() ?? 0;
  await runner.close();
  return { seconds, cpuSeconds, models: status.length, failed, open, bytes: databaseBytes(file) };
};

/** How long the one-year region took, by the runner and by the offline rebuild. */
interface ReferenceTimes {
  runner: number;
  offline: number;
}

/**
 * The 1,000,000-event region (one year) rebuilt both ways in the same run, for the scale run's ratios
 * (issue 7 §4: ≤ 11× the 1M time). Rebuilt before and after the large log, so that a machine that gets
 * slower or faster during a long run moves both sides.
 */
const referenceRebuild = async (tmp: ReturnType<typeof tempDir>, label: string): Promise<ReferenceTimes> => {
  const region = await benchRegion(REFERENCE_EVENTS);
  const path = tmp.file(`one-year-${label}.db`);
  copyRegion(region, path);
  const store = openSqliteEventStore({ path });
  try {
    global.gc?.();
    const run = await runnerRebuild(store, tmp.file(`one-year-${label}-readmodels.db`));
    global.gc?.();
    const offline = await rebuildReadModels({ store, path: tmp.file(`one-year-${label}-offline.db`) });
    log(
      `  (1M, ${label}) the one-year region, rebuilt the same ways: runner ${run.seconds.toFixed(2)} s, ` +
        `offline ${offline.seconds.toFixed(2)} s`,
    );
    return { runner: run.seconds, offline: offline.seconds };
  } finally {
    await store.close();
  }
};

export const runRebuild = async (): Promise<Result[]> => {
  header("2. rebuild — all read models into their SQLite file vs raw better-sqlite3 read + JSON.parse");
  const total = scaled(1_000_000, 1_000);
  log(
    `  sizes: ${fmt(total)} events of a synthetic region (pnpm mtc generate, seed 42), cached between runs`,
  );
  const tmp = tempDir("rebuild");
  const path = tmp.file("events.db");
  try {
    let t0 = now();
    const region = await benchRegion(total);
    const { generated } = region;
    if (generated)
      log(
        `  generated ${fmt(generated.events)} events of ${fmt(generated.cases)} cases (${generated.from?.slice(0, 10)} … ${generated.to?.slice(0, 10)}) ` +
          `in ${region.seconds.toFixed(1)} s = ${fmt(generated.events / region.seconds)} events/s; ${memLine()}`,
      );
    else log(`  reusing ${region.file}`);
    copyRegion(region, path);
    log(`  copied the log in ${((now() - t0) / 1000 - region.seconds).toFixed(1)} s`);

    t0 = now();
    let cpu0 = process.cpuUsage();
    const rawCount = rawRead(path);
    const rawS = (now() - t0) / 1000;
    const rawCpuS = cpuSince(cpu0);
    const rawRate = rawCount / rawS;
    log(
      `  (a) raw read + JSON.parse: ${fmt(rawCount)} rows in ${rawS.toFixed(2)} s = ${fmt(rawRate)} events/s (cpu ${rawCpuS.toFixed(2)} s)`,
    );

    t0 = now();
    const floorCount = rawReadAndOneRow(path, tmp.file("floor.db"));
    const floorS = (now() - t0) / 1000;
    log(
      `  (a') raw read + JSON.parse + one 5-column INSERT per event (no index, no fsync): ${fmt(floorCount)} rows in ` +
        `${floorS.toFixed(2)} s = ${fmt(floorCount / floorS)} events/s = ${(floorCount / floorS / rawRate).toFixed(2)}× (a): ` +
        "the floor of any per-event SQLite index, before any model's work",
    );

    const oneYear = total > REFERENCE_EVENTS ? [await referenceRebuild(tmp, "before")] : [];
    const store = openSqliteEventStore({ path });
    global.gc?.();
    const file = tmp.file("readmodels-bench.db");
    const run = await runnerRebuild(store, file);
    const rebuildS = run.seconds;
    const count = rawCount;
    const rebuildRate = count / rebuildS;
    log(
      `  (b) read-model runner, rebuild from zero (all ${run.models} models): ${fmt(count)} events in ` +
        `${rebuildS.toFixed(2)} s = ${fmt(rebuildRate)} events/s (cpu ${run.cpuSeconds.toFixed(2)} s: ratio by cpu ` +
        `${(rawCpuS / run.cpuSeconds).toFixed(2)}); ${memLine()}`,
    );
    log(
      `      failed documents: ${run.failed === 0 ? "none (every event applied)" : run.failed}; board items open: ${run.open}; ` +
        `read-model file ${fmt(run.bytes / 1024 / 1024)} MB = ${fmt(run.bytes / count)} bytes/event`,
    );
    // The operator's offline rebuild of the same log: a temporary file without WAL or fsync (ADR 7).
    cpu0 = process.cpuUsage();
    const offline = await rebuildReadModels({ store, path: tmp.file("readmodels-offline.db") });
    const offlineCpuS = cpuSince(cpu0);
    log(
      `  (c) offline rebuild (rebuildReadModels) from zero: ${fmt(offline.events)} events in ${offline.seconds.toFixed(2)} s = ` +
        `${fmt(offline.events / offline.seconds)} events/s (cpu ${offlineCpuS.toFixed(2)} s: ratio by cpu ` +
        `${(rawCpuS / offlineCpuS).toFixed(2)})`,
    );
    const prefix = (await store.readAll({ maxCount: Math.min(count, PROFILE_PREFIX) })).slice();
    await store.close();
    if (run.failed > 0) throw new Error("some events did not apply: the generator is wrong");

    const result: Result = {
      section: "rebuild",
      metric: "rebuild events/s",
      unit: "ev/s",
      value: rebuildRate,
      baseline: rawRate,
      target: { kind: "ratio-min", threshold: 0.7 },
      note:
        `read-model runner from zero into SQLite, ${rebuildS.toFixed(1)} s; floor (raw read + one INSERT per event) ` +
        `${(floorCount / floorS / rawRate).toFixed(2)}× raw`,
    };
    printResult(result);
    const results = [result];
    if (oneYear.length > 0) {
      oneYear.push(await referenceRebuild(tmp, "after"));
      const ratioOf = (metric: string, seconds: number, way: keyof ReferenceTimes): Result => {
        const times = oneYear.map((t) => t[way]);
        const oneYearS = times.reduce((a, b) => a + b, 0) / times.length;
        return {
          section: "rebuild",
          metric: `${metric}, ${fmt(total)} / 1,000,000 events`,
          unit: "×",
          value: seconds / oneYearS,
          baseline: total / REFERENCE_EVENTS,
          // ≤ 11× at ten times the size: at most a tenth above proportional, at any scale.
          target: { kind: "max", threshold: (1.1 * total) / REFERENCE_EVENTS },
          note:
            `${seconds.toFixed(1)} s against the one-year region's ${oneYearS.toFixed(1)} s (mean of ` +
            `${times.map((s) => s.toFixed(1)).join(" and ")} s, rebuilt before and after in this run); baseline: the ratio of the sizes`,
        };
      };
      for (const ratio of [
        ratioOf("rebuild time (runner)", rebuildS, "runner"),
        ratioOf("rebuild time (offline, pnpm mtc rebuild)", offline.seconds, "offline"),
      ]) {
        printResult(ratio);
        results.push(ratio);
      }
    }

    log(`  profile on the first ${fmt(prefix.length)} events (in memory, no SQLite):`);
    for (const line of profile(prefix)) log(`      ${line}`);
    log("  board evolve vs cases open at once (in-memory log of 20,000 events each, no store):");
    for (const line of boardScaling()) log(`      ${line}`);
    return results;
  } finally {
    tmp.cleanup();
  }
};
