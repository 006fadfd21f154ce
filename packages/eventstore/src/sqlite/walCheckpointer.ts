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
