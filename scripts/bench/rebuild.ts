import { type EventStore, openSqliteEventStore, type RecordedEvent } from "@mtc/eventstore";
import {
  allModels,
  applyToBoard,
  type BoardItem,
  createReadModelRunner,
  DOMAIN_CATEGORIES,
  type DocumentModel,
  databaseBytes,
  type ProjectedEvent,
  timelineEntryOf,
  toProjectedEvent,
} from "@mtc/projections";
import Database from "better-sqlite3";
import { fmt, header, log, memLine, now, printResult, type Result, scaled, tempDir } from "./common.js";
import { plannedAppends } from "./generate.js";

const APPENDS_PER_GROUP = 256;
const PROFILE_PREFIX = 100_000;

/** Writes `total` events with the store's batch append, many appends per group commit. */
const writeLog = async (store: EventStore, total: number, concurrentCases: number) => {
  let appends = 0;
  let events = 0;
  let group: Promise<unknown>[] = [];
  for (const planned of plannedAppends(total, { concurrentCases })) {
    group.push(store.append(planned.streamId, planned.events, planned.expectedRevision));
    appends++;
    events += planned.events.length;
    if (group.length >= APPENDS_PER_GROUP) {
      await Promise.all(group);
      group = [];
    }
  }
  await Promise.all(group);
  return { appends, events };
};

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
      `evolve ${model.name} alone: ${fmt(ms)} ms for ${applied} events = ${fmt((ms * 1000) / Math.max(1, applied), 2)} µs/event`,
    );
  }
  return lines;
};

/** Board evolve cost against how many items are open: shows whether it grows with the board's size. */
const boardScaling = (): string[] =>
  [25, 100, 400, 1_600].map((concurrentCases) => {
    const projected: ProjectedEvent[] = [];
    let position = 0;
    for (const planned of plannedAppends(20_000, { concurrentCases, seed: 7 })) {
      const base = typeof planned.expectedRevision === "number" ? planned.expectedRevision + 1 : 0;
      planned.events.forEach((e, i) => {
        const r = toProjectedEvent({
          ...e,
          streamId: planned.streamId,
          revision: base + i,
          position: position++,
          recordedAt: e.metadata.occurredAt,
        });
        if (r.ok) projected.push(r.projected);
      });
    }
    const items = new Map<string, BoardItem>();
    const t0 = now();
    for (const pe of projected) applyToBoard(items, pe);
    const ms = now() - t0;
    return `${concurrentCases} cases open at once (${items.size} items at the end): ${fmt((ms * 1000) / projected.length, 2)} µs/event`;
  });

export const runRebuild = async (): Promise<Result[]> => {
  header("2. rebuild — all read models into their SQLite file vs raw better-sqlite3 read + JSON.parse");
  const total = scaled(1_000_000, 1_000);
  const concurrentCases = 200;
  log(
    `  sizes: ${fmt(total)} events, ${concurrentCases} cases open at once, ${APPENDS_PER_GROUP} appends per group`,
  );
  const tmp = tempDir("rebuild");
  const path = tmp.file("events.db");
  try {
    let store = openSqliteEventStore({ path });
    let t0 = now();
    const written = await writeLog(store, total, concurrentCases);
    const writeS = (now() - t0) / 1000;
    await store.close();
    log(
      `  wrote ${fmt(written.events)} events in ${fmt(written.appends)} appends (${(written.events / written.appends).toFixed(2)} events/append) ` +
        `in ${writeS.toFixed(1)} s = ${fmt(written.events / writeS)} events/s; ${memLine()}`,
    );

    // CPU seconds beside wall seconds: on a shared machine the wall clock also measures the neighbours.
    const cpuSince = (start: NodeJS.CpuUsage) => {
      const used = process.cpuUsage(start);
      return (used.user + used.system) / 1e6;
    };
    t0 = now();
    let cpu0 = process.cpuUsage();
    const rawCount = rawRead(path);
    const rawS = (now() - t0) / 1000;
    const rawCpuS = cpuSince(cpu0);
    const rawRate = rawCount / rawS;
    log(
      `  (a) raw read + JSON.parse: ${fmt(rawCount)} rows in ${rawS.toFixed(2)} s = ${fmt(rawRate)} events/s (cpu ${rawCpuS.toFixed(2)} s)`,
    );

    // The production path: a service starting without a read-model file rebuilds every model through the
    // runner's catch-up (paged reads, one transaction a page, row writes), exactly as at a version change.
    store = openSqliteEventStore({ path });
    global.gc?.();
    const file = tmp.file("readmodels-bench.db");
    const runner = createReadModelRunner({
      store,
      path: file,
      models: allModels(),
      categories: DOMAIN_CATEGORIES,
    });
    t0 = now();
    cpu0 = process.cpuUsage();
    await runner.start();
    await runner.whenReady();
    const rebuildS = (now() - t0) / 1000;
    const rebuildCpuS = cpuSince(cpu0);
    const count = rawCount;
    const rebuildRate = count / rebuildS;
    const status = runner.status();
    const failed =
      status.reduce((sum, s) => sum + s.failedDocuments, 0) + status.filter((s) => s.failure).length;
    const open = runner.reader().prepare<[], number>("SELECT count(*) FROM board_items").pluck().get() ?? 0;
    await runner.close();
    const bytes = databaseBytes(file);
    log(
      `  (b) read-model runner, rebuild from zero (all ${status.length} models): ${fmt(count)} events in ` +
        `${rebuildS.toFixed(2)} s = ${fmt(rebuildRate)} events/s (cpu ${rebuildCpuS.toFixed(2)} s: ratio by cpu ` +
        `${(rawCpuS / rebuildCpuS).toFixed(2)}); ${memLine()}`,
    );
    log(
      `      failed documents: ${failed === 0 ? "none (every event applied)" : failed}; board items open: ${open}; ` +
        `read-model file ${fmt(bytes / 1024 / 1024)} MB = ${fmt(bytes / count)} bytes/event`,
    );
    const prefix = (await store.readAll({ maxCount: Math.min(count, PROFILE_PREFIX) })).slice();
    await store.close();
    if (failed > 0) throw new Error("some events did not apply: the generator is wrong");

    const result: Result = {
      section: "rebuild",
      metric: "rebuild events/s",
      unit: "ev/s",
      value: rebuildRate,
      baseline: rawRate,
      target: { kind: "ratio-min", threshold: 0.7 },
      note: `read-model runner from zero into SQLite, ${rebuildS.toFixed(1)} s`,
    };
    printResult(result);

    log(`  profile on the first ${fmt(prefix.length)} events (in memory, no SQLite):`);
    for (const line of profile(prefix)) log(`      ${line}`);
    log("  board evolve vs cases open at once (in-memory log of 20,000 events each, no store):");
    for (const line of boardScaling()) log(`      ${line}`);
    return [result];
  } finally {
    tmp.cleanup();
  }
};
