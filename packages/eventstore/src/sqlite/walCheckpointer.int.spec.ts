import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { startWalCheckpointer } from "./walCheckpointer.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("WAL checkpoints from a worker thread", () => {
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * 4 MiB written in 40 transactions; the WAL's size at the end. The writer checkpoints itself only past
   * `writerMarkPages` (0: never); `pauseMs` between transactions.
   */
  const writeWithAutocheckpointOff = async (
    checkpointer: boolean,
    { writerMarkPages = 0, pauseMs = 30 } = {},
  ): Promise<number> => {
    dir = mkdtempSync(join(tmpdir(), "mtc-wal-"));
    const path = join(dir, "models.db");
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma(`wal_autocheckpoint = ${writerMarkPages}`);
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    const stops: string[] = [];
    const running = checkpointer
      ? startWalCheckpointer({ path, walBytes: 256 * 1024, intervalMs: 10, onStop: (r) => stops.push(r) })
      : undefined;
    const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
    const row = "x".repeat(1_000);
    for (let batch = 0; batch < 40; batch++) {
      db.transaction(() => {
        for (let i = 0; i < 100; i++) insert.run(row);
      })();
      await sleep(pauseMs);
    }
    await running?.close();
    const size = statSync(`${path}-wal`).size;
    db.close();
    expect(stops).toEqual([]);
    return size;
  };

  it("keeps the WAL near its mark while the writer never checkpoints; without it the WAL keeps everything", async () => {
    const withWorker = await writeWithAutocheckpointOff(true);
    const without = await writeWithAutocheckpointOff(false);
    expect(without).toBeGreaterThan(4 * 1024 * 1024);
    expect(withWorker).toBeLessThan(1024 * 1024);
  });

  it("a writer committing without pause keeps the WAL bounded by its own safety mark", async () => {
    // Without pauses the WAL is never wholly checkpointed when a transaction starts, so it cannot restart from
    // the worker's checkpoints alone: the writer's mark at four times the worker's bounds it.
    const size = await writeWithAutocheckpointOff(true, { writerMarkPages: 256, pauseMs: 0 });
    expect(size).toBeLessThan(2 * 1024 * 1024);
  });
});
