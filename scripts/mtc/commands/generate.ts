import { mkdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { DEMO_REGION_FILE } from "@mtc/coordinator";
import { ReferenceData, referenceLookup } from "@mtc/domain";
import { InvalidArgumentError } from "commander";
import {
  CliError,
  type CommonOptions,
  dataDirOf,
  eventLogPath,
  hasEvents,
  type MtcCommand,
  progress,
  wholeNumber,
  withCommonOptions,
} from "../cli.js";
import { EVENTS_PER_YEAR, MIN_YEARS, writeRegion } from "../synthetic/region.js";

interface GenerateOptions extends CommonOptions {
  events: number;
  seed: number;
  until?: Date;
  years?: number;
  region?: string;
}

/** The end of that day in China Standard Time; a real calendar date, not after today. */
const day = (raw: string): Date => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw);
  const real =
    m && new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).toISOString().startsWith(raw);
  if (!real) throw new InvalidArgumentError("expected a real date YYYY-MM-DD.");
  const end = new Date(`${raw}T23:59:59.999+08:00`);
  if (end.getTime() - 24 * 3_600_000 > Date.now()) {
    throw new InvalidArgumentError("the log cannot end after today: events would be recorded in the future.");
  }
  return end.getTime() > Date.now() ? new Date() : end;
};

const years = (raw: string): number => {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || value > 100)
    throw new InvalidArgumentError("expected 0 < years ≤ 100.");
  return value;
};

export const generate: MtcCommand = {
  name: "generate",
  register: (command) =>
    withCommonOptions(
      command
        .description(
          "write a synthetic region into an empty data directory: the demo region's institutions and ambulances, " +
            `cases over the years up to today (${EVENTS_PER_YEAR.toLocaleString("en-US")} events a year, at least ${MIN_YEARS} years), ` +
            "every event decided by the domain; the same seed writes the same log",
        )
        .requiredOption("--events <n>", "how many events to write", wholeNumber(1))
        .option("--seed <s>", "random seed", wholeNumber(0), 1)
        .option("--until <YYYY-MM-DD>", "the last day of the log (China Standard Time; default today)", day)
        .option("--years <y>", "years the log spans (default: events / 1,000,000, at least 3)", years)
        .option("--region <file>", "the region's reference data (default: the demo region)"),
    ).action(async (options: GenerateOptions) => {
      const dataDir = dataDirOf(options);
      const regionFile = options.region ?? DEMO_REGION_FILE;
      let reference: ReferenceData;
      try {
        reference = ReferenceData.parse(JSON.parse(await readFile(regionFile, "utf8")));
      } catch (error) {
        throw new CliError(
          `cannot read the region ${regionFile}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      if (hasEvents(dataDir)) {
        throw new CliError(`${dataDir} already holds events; generate writes into an empty data directory`);
      }
      mkdirSync(dataDir, { recursive: true });
      const bar = progress({ total: options.events, unit: "events", quiet: options.quiet });
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once("SIGINT", stop);
      const started = performance.now();
      try {
        const stats = await writeRegion({
          path: eventLogPath(dataDir),
          events: options.events,
          seed: options.seed,
          reference: referenceLookup(reference),
          until: options.until ?? new Date(),
          ...(options.years === undefined ? {} : { years: options.years }),
          onProgress: (done) => bar.update(done),
          signal: abort.signal,
        });
        const seconds = (performance.now() - started) / 1000;
        const high = (stats.grades.orange ?? 0) + (stats.grades.red ?? 0) + (stats.grades.purple ?? 0);
        bar.finish(
          `generated ${stats.events} events, ${stats.cases} cases, ${stats.from?.slice(0, 10)} … ${stats.to?.slice(0, 10)}, ` +
            `orange+ ${((100 * high) / Math.max(1, stats.cases)).toFixed(1)} %, ` +
            `late crew entries ${((100 * stats.lateCrewEntries) / Math.max(1, stats.crewEntries)).toFixed(1)} %, ` +
            `in ${seconds.toFixed(1)} s (${Math.round(stats.events / seconds)} events/s) into ${dataDir}`,
        );
        if (stats.events < options.events) {
          throw new CliError(`only ${stats.events} of ${options.events} events fit before the end date`);
        }
      } catch (error) {
        bar.abort();
        throw error instanceof CliError
          ? error
          : new CliError(error instanceof Error ? error.message : String(error));
      } finally {
        process.off("SIGINT", stop);
      }
    }),
};
