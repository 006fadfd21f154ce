import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { type ReadModelFileStatus, readModelStatus } from "@mtc/projections";
import {
  type CommonOptions,
  dataDirOf,
  EVENT_LOG_FILE,
  formatBytes,
  type MtcCommand,
  openLogReadOnly,
  withCommonOptions,
} from "../cli.js";

interface StatusOptions extends CommonOptions {
  json: boolean;
}

export interface LogStatus {
  dataDir: string;
  /** Position of the last event, -1 for an empty log. */
  head: number;
  events: number;
  firstRecordedAt: string | null;
  lastRecordedAt: string | null;
  /** Every file of the data directory with its size (the log, its WAL, read models, …). */
  files: { name: string; bytes: number }[];
  /** Each instance's read-model file (`readmodels-<instance>.db`): its models' checkpoints, lag and state. */
  readModels: ReadModelsOfInstance[];
}

type ModelStatus = ReadModelFileStatus["models"][number] & { lag: number };
interface ReadModelsOfInstance extends Omit<ReadModelFileStatus, "models"> {
  instance: string;
  models: ModelStatus[];
}

const READ_MODEL_FILE = /^readmodels-([a-z0-9_]{1,32})\.db$/;

/** The event log's head, size and time span, read without writing anything. */
export const logStatus = (dataDir: string): LogStatus => {
  const db = openLogReadOnly(dataDir);
  try {
    const head = db.prepare<[], { head: number | null }>("SELECT max(position) AS head FROM events").get();
    const count = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM events").get();
    const edge = (order: "ASC" | "DESC") =>
      db
        .prepare<[], { recorded_at: string }>(
          `SELECT recorded_at FROM events ORDER BY position ${order} LIMIT 1`,
        )
        .get()?.recorded_at ?? null;
    const files = readdirSync(dataDir, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => ({ name: entry.name, bytes: statSync(path.join(dataDir, entry.name)).size }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const logHead = head?.head ?? -1;
    const readModels = files
      .map((f) => READ_MODEL_FILE.exec(f.name)?.[1])
      .filter((instance): instance is string => instance !== undefined)
      .map((instance) => {
        const status = readModelStatus(path.join(dataDir, `readmodels-${instance}.db`));
        return {
          ...status,
          instance,
          models: status.models.map((m) => ({ ...m, lag: Math.max(0, logHead - m.checkpoint) })),
        };
      });
    return {
      dataDir,
      head: logHead,
      events: count?.n ?? 0,
      firstRecordedAt: edge("ASC"),
      lastRecordedAt: edge("DESC"),
      files,
      readModels,
    };
  } finally {
    db.close();
  }
};

export const status: MtcCommand = {
  name: "status",
  register: (command) =>
    withCommonOptions(
      command
        .description(
          "the event log: head position, event count, first and last recordedAt, file sizes on disk",
        )
        .option("--json", "print the status as one JSON document", false),
    ).action((options: StatusOptions) => {
      const s = logStatus(dataDirOf(options));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(s)}\n`);
        return;
      }
      const logBytes = s.files
        .filter((f) => f.name.startsWith(EVENT_LOG_FILE))
        .reduce((sum, f) => sum + f.bytes, 0);
      if (options.quiet) {
        process.stdout.write(`head ${s.head}, ${s.events} events, log ${formatBytes(logBytes)}\n`);
        return;
      }
      const lines = [
        `data directory  ${s.dataDir}`,
        `log head        ${s.head}`,
        `events          ${s.events.toLocaleString("en-US")}`,
        `recorded        ${s.firstRecordedAt ?? "-"} … ${s.lastRecordedAt ?? "-"}`,
        `event log       ${formatBytes(logBytes)}`,
        "files",
        ...s.files.map((f) => `  ${f.name.padEnd(28)} ${formatBytes(f.bytes).padStart(10)}`),
        ...s.readModels.flatMap((file) => [
          `read models of instance ${file.instance} (${formatBytes(file.bytes)})`,
          ...file.models.map(
            (m) =>
              `  ${m.name.padEnd(14)} ${m.state.padEnd(11)} checkpoint ${String(m.checkpoint).padStart(10)}  lag ${String(m.lag).padStart(8)}` +
              `${m.progress !== undefined ? `  ${Math.round(m.progress * 100)} %` : ""}` +
              `${m.version !== m.codeVersion ? `  v${m.version} on disk, v${m.codeVersion} in the code: rebuilt at next start` : ""}` +
              `${m.failedDocuments > 0 ? `  ${m.failedDocuments} failed documents` : ""}`,
          ),
        ]),
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    }),
};
