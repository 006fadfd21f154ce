import { readFileSync } from "node:fs";

/**
 * `pnpm bench:compare A.json B.json`: the two runs' tables side by side, one line per figure, with B/A.
 * Whether a ratio above 1 is better depends on the figure (rates: higher; latencies, memory: lower).
 */

interface Row {
  section: string;
  metric: string;
  unit: string;
  value: number;
  verdict?: string;
}
interface Run {
  startedAt: string;
  scale: number;
  results: Row[];
}

const read = (file: string): Run => {
  try {
    const run = JSON.parse(readFileSync(file, "utf8")) as Run;
    if (!Array.isArray(run.results)) throw new Error("no results array");
    return run;
  } catch (error) {
    process.stderr.write(
      `bench:compare: ${file}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(2);
  }
};

const [fileA, fileB] = process.argv.slice(2);
if (!fileA || !fileB) {
  process.stderr.write("usage: pnpm bench:compare A.json B.json (files written by pnpm bench)\n");
  process.exit(2);
}
const a = read(fileA);
const b = read(fileB);
const key = (r: Row) => `${r.section} · ${r.metric}`;
const inA = new Map(a.results.map((r) => [key(r), r]));
const inB = new Map(b.results.map((r) => [key(r), r]));
const keys = [...new Set([...inA.keys(), ...inB.keys()])];
const num = (r: Row | undefined) =>
  r ? `${r.value >= 1000 ? Math.round(r.value).toLocaleString("en-US") : r.value.toFixed(2)} ${r.unit}` : "-";
const rows = keys.map((k) => {
  const ra = inA.get(k);
  const rb = inB.get(k);
  const ratio = ra && rb ? (rb.value / ra.value).toFixed(2) : "-";
  return [k, num(ra), num(rb), ratio, `${ra?.verdict ?? "-"} → ${rb?.verdict ?? "-"}`];
});
const head = [
  "figure",
  `A (${a.startedAt}, scale ${a.scale})`,
  `B (${b.startedAt}, scale ${b.scale})`,
  "B/A",
  "result",
];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ");
process.stdout.write(
  `${[line(head), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map(line)].join("\n")}\n`,
);
if (a.scale !== b.scale)
  process.stdout.write(`note: the runs have different BENCH_SCALE (${a.scale} vs ${b.scale})\n`);
