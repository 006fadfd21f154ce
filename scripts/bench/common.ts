import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** BENCH_SCALE scales every size (default 1; e.g. 0.1 for a quick run). */
export const SCALE = (() => {
  const raw = process.env.BENCH_SCALE;
  if (raw === undefined || raw === "") return 1;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`BENCH_SCALE must be a positive number, got ${raw}`);
  return value;
})();

/** A size scaled by BENCH_SCALE, never below `min`. */
export const scaled = (base: number, min = 1): number => Math.max(min, Math.round(base * SCALE));

/**
 * A size the issue defines (1,000 clients, bursts of 2,000): smaller in a quick run, never larger in a scale run,
 * whose point is the size of the log.
 */
export const scaledDown = (base: number, min = 1): number =>
  Math.max(min, Math.round(base * Math.min(1, SCALE)));

/** One figure compared against its baseline, with an optional target. */
export interface Result {
  section: string;
  metric: string;
  unit: string;
  value: number;
  baseline: number;
  /** `ratio-min`: value/baseline must be ≥ threshold (higher is better); `max`: value must be ≤ threshold. */
  target?: { kind: "ratio-min"; threshold: number } | { kind: "max"; threshold: number };
  note?: string;
}

export const verdict = (r: Result): "PASS" | "MISS" | "-" => {
  if (!r.target) return "-";
  if (r.target.kind === "ratio-min") return r.value / r.baseline >= r.target.threshold ? "PASS" : "MISS";
  return r.value <= r.target.threshold ? "PASS" : "MISS";
};

export const targetText = (r: Result): string => {
  if (!r.target) return "(info)";
  if (r.target.kind === "ratio-min") return `≥ ${Math.round(r.target.threshold * 100)} % of baseline`;
  return `≤ ${r.target.threshold} ${r.unit}`;
};

export const fmt = (n: number, digits = 1): string => {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString("en-US");
  return n.toFixed(digits);
};

export const percentile = (sorted: readonly number[], p: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] as number;
};

export interface Stats {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export const stats = (samples: readonly number[]): Stats => {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
  };
};

export const statsLine = (s: Stats, unit = "ms"): string =>
  `n=${s.count} p50=${fmt(s.p50, 2)} p90=${fmt(s.p90, 2)} p99=${fmt(s.p99, 2)} max=${fmt(s.max, 2)} mean=${fmt(s.mean, 2)} ${unit}`;

export const now = (): number => performance.now();

export const mb = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MB`;

export const memLine = (): string => {
  const m = process.memoryUsage();
  return `rss=${mb(m.rss)} heapUsed=${mb(m.heapUsed)} heapTotal=${mb(m.heapTotal)} external=${mb(m.external)}`;
};

const liveTempDirs = new Set<string>();
// Also on Ctrl-C / kill: index.ts turns those signals into process.exit(), which runs this.
process.on("exit", () => {
  for (const dir of liveTempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A temp directory removed by `cleanup()`, or at exit whatever happens. */
export const tempDir = (prefix: string): { dir: string; file(name: string): string; cleanup(): void } => {
  const dir = mkdtempSync(join(tmpdir(), `mtc-bench-${prefix}-`));
  liveTempDirs.add(dir);
  return {
    dir,
    file: (name) => join(dir, name),
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      liveTempDirs.delete(dir);
    },
  };
};

export const log = (line = ""): void => {
  process.stdout.write(`${line}\n`);
};

export const header = (title: string): void => {
  log();
  log(`=== ${title} ===`);
};

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Prints one result line as soon as it is known. */
export const printResult = (r: Result): void => {
  const ratio = r.value / r.baseline;
  log(
    `  → ${r.metric}: ${fmt(r.value, 2)} ${r.unit} vs baseline ${fmt(r.baseline, 2)} ${r.unit} ` +
      `(ratio ${ratio.toFixed(2)}; target ${targetText(r)}: ${verdict(r)})${r.note ? ` — ${r.note}` : ""}`,
  );
};
