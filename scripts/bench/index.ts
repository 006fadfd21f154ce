import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { getHeapStatistics } from "node:v8";
import { runAppends } from "./appends.js";
import { runBoardBurst } from "./boardBurst.js";
import { runBoardFeed } from "./boardFeed.js";
import { fmt, log, type Result, SCALE, targetText, verdict } from "./common.js";
import { runPreArrival } from "./preArrival.js";
import { runRebuild } from "./rebuild.js";
import { runRoundtrip } from "./roundtrip.js";
import { runServiceHttp } from "./serviceHttp.js";

/** `pnpm bench`: each section measures the embedded store against a baseline of the same run, then a summary. */
const sections: [string, () => Promise<Result[]>][] = [
  ["appends", runAppends],
  ["rebuild", runRebuild],
  ["roundtrip", runRoundtrip],
  ["boardFeed", runBoardFeed],
  ["service", runServiceHttp],
  ["boardBurst", runBoardBurst],
  ["preArrival", runPreArrival],
];

const only = process.env.BENCH_ONLY?.split(",").map((s) => s.trim());

for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130));

/** Where the table goes as JSON: BENCH_JSON, else artifacts/bench/<timestamp>.json at the repository root. */
const jsonPath = (startedAt: Date): string =>
  process.env.BENCH_JSON ||
  path.resolve(
    import.meta.dirname,
    "../../artifacts/bench",
    `${startedAt
      .toISOString()
      .replaceAll(":", "-")
      .replace(/\.\d+Z$/, "Z")}.json`,
  );

const main = async (): Promise<void> => {
  const started = performance.now();
  const startedAt = new Date();
  const rssAtStart = process.memoryUsage().rss;
  log(
    `mtc bench — BENCH_SCALE=${SCALE}, node ${process.version}, ${process.platform}/${process.arch}, ` +
      `heap limit ${Math.round(getHeapStatistics().heap_size_limit / 1024 / 1024)} MB` +
      (only ? `, BENCH_ONLY=${only.join(",")}` : ""),
  );
  const results: Result[] = [];
  const failed: string[] = [];
  const durations: [string, number][] = [];
  /** The table so far, written after every section: a long scale run that is stopped keeps what it measured. */
  const writeTable = (totalSeconds: number, complete = true): string => {
    const file = jsonPath(startedAt);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(
      file,
      `${JSON.stringify(
        {
          startedAt: startedAt.toISOString(),
          scale: SCALE,
          node: process.version,
          platform: `${process.platform}/${process.arch}`,
          only: only ?? null,
          complete,
          durations: Object.fromEntries(durations),
          totalSeconds,
          failed,
          results: results.map((r) => ({ ...r, ratio: r.value / r.baseline, verdict: verdict(r) })),
        },
        null,
        2,
      )}\n`,
    );
    return file;
  };
  for (const [name, run] of sections) {
    if (only && !only.includes(name)) continue;
    const t0 = performance.now();
    try {
      results.push(...(await run()));
    } catch (error) {
      failed.push(name);
      log(
        `  !! section ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
    const seconds = (performance.now() - t0) / 1000;
    durations.push([name, seconds]);
    log(`  (section ${name} took ${seconds.toFixed(1)} s)`);
    writeTable((performance.now() - started) / 1000, false);
  }

  // maxRSS is the process's high-water mark (kB): the peak, whatever section reached it.
  const peak: Result = {
    section: "process",
    metric: "bench peak RSS",
    unit: "MB",
    value: process.resourceUsage().maxRSS / 1024,
    baseline: rssAtStart / 1024 / 1024,
    note: "the bench process's high-water mark over all sections; baseline: its RSS at start",
  };
  results.push(peak);
  log();
  log("=== summary ===");
  const rows = results.map((r) => [
    r.section,
    r.metric,
    `${fmt(r.value, 2)} ${r.unit}`,
    `${fmt(r.baseline, 2)} ${r.unit}`,
    (r.value / r.baseline).toFixed(2),
    targetText(r),
    verdict(r),
  ]);
  const head = ["section", "metric", "value", "baseline", "ratio", "target", "result"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ");
  log(line(head));
  log(widths.map((w) => "-".repeat(w)).join("-|-"));
  for (const row of rows) log(line(row));
  const total = (performance.now() - started) / 1000;
  log();
  log(
    `durations: ${durations.map(([n, s]) => `${n} ${s.toFixed(1)} s`).join(", ")}; total ${total.toFixed(1)} s`,
  );
  if (failed.length) log(`failed sections: ${failed.join(", ")}`);
  const file = writeTable(total);
  log(`table as JSON: ${file} (compare two runs with pnpm bench:compare A.json B.json)`);
  process.exitCode = failed.length ? 1 : 0;
};

main().then(
  () => {
    // Everything is closed by the sections; exit anyway so that a stray handle cannot keep the bench alive.
    setTimeout(() => process.exit(), 200).unref();
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
