import { existsSync, statSync } from "node:fs";
import { workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import type { WalCheckpointerOptions } from "./walCheckpointer.js";

/** The worker side of `startWalCheckpointer`: its own connection, a PASSIVE checkpoint past the mark. */
const { path, walBytes, intervalMs } = workerData as Omit<WalCheckpointerOptions, "onStop">;
const db = new Database(path, { fileMustExist: true });
db.pragma("busy_timeout = 1000");
const wal = `${path}-wal`;
setInterval(() => {
  if (existsSync(wal) && statSync(wal).size >= walBytes) db.pragma("wal_checkpoint(PASSIVE)");
}, intervalMs);
