import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { DEMO_REGION_FILE } from "@mtc/coordinator";
import { ReferenceData, referenceLookup } from "@mtc/domain";
import { EVENTS_PER_YEAR, type SynthesisStats, writeRegion } from "../mtc/synthetic/region.js";

/** Every bench section reads the same synthetic region: the demo region's institutions, seed 42, this end date. */
export const BENCH_SEED = 42;
export const BENCH_UNTIL = new Date("2026-06-30T23:59:59.999+08:00");
export const benchReference = () =>
  referenceLookup(ReferenceData.parse(JSON.parse(readFileSync(DEMO_REGION_FILE, "utf8")) as unknown));

/**
 * Where generated logs are kept between runs (`BENCH_CACHE`, default `artifacts/bench/cache`): at 10,000,000
 * events generating the log takes longer than measuring it, and every section and every run wants the same one.
 * The file is written under a temporary name and renamed when complete, so an interrupted run leaves no half log.
 */
const cacheDir = () =>
  path.resolve(process.env.BENCH_CACHE ?? path.join(import.meta.dirname, "../../artifacts/bench/cache"));

export interface BenchRegion {
  /** The pristine log; copy it before anything may write to it. */
  file: string;
  /** Set when this call generated it. */
  generated?: SynthesisStats;
  seconds: number;
}

/**
 * The bench's region is one province at one density, a million events a year (the upper half of the 0.2–2
 * million of issue 7): 1,000,000 events are one year of it and 10,000,000 ten years, so that the scale run
 * measures a longer history, not a busier province. (`pnpm mtc generate` spreads small logs over at least three
 * years instead, for history to browse: a 1,000,000-event log so made is a third as dense, with a board a third
 * as large, and its figures do not compare with ten years of a denser one.)
 */
const yearsOf = (events: number): number => events / EVENTS_PER_YEAR;

export const benchRegion = async (events: number): Promise<BenchRegion> => {
  const dir = cacheDir();
  const years = yearsOf(events);
  const file = path.join(
    dir,
    `region-${events}-${years}y-seed${BENCH_SEED}-${BENCH_UNTIL.toISOString().slice(0, 10)}.db`,
  );
  const t0 = performance.now();
  if (existsSync(file)) return { file, seconds: 0 };
  mkdirSync(dir, { recursive: true });
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  rmSync(`${partial}-wal`, { force: true });
  rmSync(`${partial}-shm`, { force: true });
  const generated = await writeRegion({
    path: partial,
    events,
    seed: BENCH_SEED,
    reference: benchReference(),
    until: BENCH_UNTIL,
    years,
  });
  renameSync(partial, file);
  return { file, generated, seconds: (performance.now() - t0) / 1000 };
};

/** A private copy of the region's log at `target` (the store checkpoints its WAL on close, so one file is whole). */
export const copyRegion = (region: BenchRegion, target: string): void => {
  copyFileSync(region.file, target);
};
