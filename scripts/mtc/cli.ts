import { existsSync } from "node:fs";
import path from "node:path";
import { resolveDataDir } from "@mtc/coordinator";
import { type EventStore, openSqliteEventStore } from "@mtc/eventstore";
import Database from "better-sqlite3";
import cliProgress from "cli-progress";
import { type Command, InvalidArgumentError } from "commander";

/** The helpers every `pnpm mtc` command shares: data directory, exit codes, the progress bar, the log file. */

/** Exit codes: 0 done, 1 the work failed, 2 the command line was wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** A failure the operator can act on: printed as one line, exit code 1 (or 2 for usage). */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

/** One `pnpm mtc` command: its own file, one line in the table of `index.ts`. */
export interface MtcCommand {
  name: string;
  /** Declares the command's arguments and options and its action on the commander command it is given. */
  register(command: Command): void;
}

export interface CommonOptions {
  dataDir: string;
  quiet: boolean;
}

/** `--data-dir` and `--quiet`, on every command. The default is where the service keeps its data. */
export const withCommonOptions = (command: Command): Command =>
  command
    .option(
      "--data-dir <dir>",
      "the service's data directory (default: DATA_DIR as the service resolves it, else .data)",
    )
    .option("-q, --quiet", "no progress bar; print one summary line", false);

/** The data directory exactly as the service resolves it (services/coordinator/src/config.ts). */
export const dataDirOf = (options: { dataDir?: string | undefined }): string =>
  resolveDataDir(options.dataDir ?? (process.env.DATA_DIR || ".data"));

export const EVENT_LOG_FILE = "events.db";
export const eventLogPath = (dataDir: string): string => path.join(dataDir, EVENT_LOG_FILE);

/**
 * Opens the event log for reading only: never creates a file, never writes, and is safe beside a running
 * service (WAL lets readers and the one writer work at once).
 */
export const openLogReadOnly = (dataDir: string): Database.Database => {
  const file = eventLogPath(dataDir);
  if (!existsSync(file)) {
    throw new CliError(
      `no event log in ${dataDir} (${EVENT_LOG_FILE} is missing); start the service there or run pnpm mtc generate`,
    );
  }
  try {
    return new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new CliError(`cannot open ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
};

/**
 * The embedded store of an existing data directory, for commands that read the log through the store port
 * (rebuilds, verification): refuses a directory without a log instead of creating an empty one.
 */
export const openExistingStore = (dataDir: string): EventStore => {
  const file = eventLogPath(dataDir);
  if (!existsSync(file)) {
    throw new CliError(
      `no event log in ${dataDir} (${EVENT_LOG_FILE} is missing); start the service there or run pnpm mtc generate`,
    );
  }
  return openSqliteEventStore({ path: file });
};

/** Whether the data directory already has an event log with events in it. */
export const hasEvents = (dataDir: string): boolean => {
  if (!existsSync(eventLogPath(dataDir))) return false;
  const db = openLogReadOnly(dataDir);
  try {
    return db.prepare("SELECT 1 FROM events LIMIT 1").get() !== undefined;
  } finally {
    db.close();
  }
};

/** A whole number ≥ `min` (underscores allowed: 10_000_000), or a usage error. */
export const wholeNumber =
  (min: number) =>
  (raw: string): number => {
    const value = Number(raw.replaceAll("_", ""));
    if (raw.trim() === "" || !Number.isSafeInteger(value) || value < min) {
      throw new InvalidArgumentError(`expected a whole number ≥ ${min}.`);
    }
    return value;
  };

export interface Progress {
  update(done: number): void;
  /** Stops the bar and prints the one summary line (also in quiet mode). */
  finish(summary: string): void;
  /** Stops the bar without a summary (on failure). */
  abort(): void;
}

/**
 * A progress bar on stderr with events/s and ETA (cli-progress), or nothing in quiet mode. It draws also when
 * stderr is not a terminal (every two seconds), so that a long run in a log file shows it is alive.
 */
export const progress = (options: { total: number; unit: string; quiet: boolean }): Progress => {
  const started = performance.now();
  const say = (summary: string) => process.stdout.write(`${summary}\n`);
  if (options.quiet) return { update: () => undefined, finish: say, abort: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      format: `{bar} {percentage}% | {value}/{total} ${options.unit} | {rate} ${options.unit}/s | ETA {eta_formatted}`,
      noTTYOutput: true,
      notTTYSchedule: 2_000,
      etaBuffer: 50,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(options.total, 0, { rate: "0" });
  const rateOf = (done: number) => Math.round(done / Math.max(0.001, (performance.now() - started) / 1000));
  return {
    update: (done) => bar.update(done, { rate: rateOf(done).toLocaleString("en-US") }),
    finish: (summary) => {
      bar.stop();
      say(summary);
    },
    abort: () => bar.stop(),
  };
};

export const formatBytes = (bytes: number): string => {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
};
