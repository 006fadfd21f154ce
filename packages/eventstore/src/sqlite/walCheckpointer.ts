import type Database from "better-sqlite3";
import { startWorker } from "../startWorker.js";

export interface WalCheckpointerOptions {
  /** The SQLite database (WAL mode); its writer's own `wal_autocheckpoint` stays as a higher safety mark. */
  path: string;
  /** Checkpoint once the WAL holds this many bytes. */
  walBytes: number;
  /** How often the WAL's size is looked at. */
  intervalMs: number;
  /** Called once if the checkpointer stops: the writer must then checkpoint again itself. */
  onStop: (reason: string) => void;
}

export interface WalCheckpointer {
  close(): Promise<void>;
}

/**
 * Checkpoints a WAL database from a worker thread, so that the writer's connection never does it. A checkpoint
 * copies the WAL's pages into the database file and syncs it: 50–70 ms for 16 MiB here, which the automatic
 * checkpoint spent on the service's event loop, inside the commit that crossed the mark. PASSIVE: it never
 * waits for the writer or the readers, and does the rest next time.
 */
export function startWalCheckpointer(options: WalCheckpointerOptions): WalCheckpointer {
  const { onStop, ...init } = options;
  const worker = startWorker(new URL("./walCheckpointerWorker.ts", import.meta.url), init);
  let stopped = false;
  const stop = (reason: string) => {
    if (stopped) return;
    stopped = true;
    onStop(reason);
  };
  worker.on("error", (error) => stop(error.message));
  worker.on("exit", (code) => stop(`the WAL checkpointer exited (${code})`));
  return {
    async close() {
      stopped = true;
      await worker.terminate();
    },
  };
}

/**
 * The arrangement both SQLite files use: the worker checkpoints at the writer's mark, and the writer keeps a
 * safety mark at four times it, because under commits without pause the WAL is never wholly checkpointed when a
 * transaction starts, so it could not restart and would grow without end. If the worker stops, the writer takes
 * its own mark back.
 */
export function checkpointInBackground(
  writer: Database.Database,
  {
    markPages,
    intervalMs,
    onStop,
  }: { markPages: number; intervalMs: number; onStop?: (reason: string) => void },
): WalCheckpointer {
  writer.pragma(`wal_autocheckpoint = ${4 * markPages}`);
  return startWalCheckpointer({
    path: writer.name,
    walBytes: markPages * Number(writer.pragma("page_size", { simple: true })),
    intervalMs,
    onStop: (reason) => {
      if (writer.open) writer.pragma(`wal_autocheckpoint = ${markPages}`);
      onStop?.(reason);
    },
  });
}
