import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openSqliteEventStore } from "@mtc/eventstore";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { benchReference } from "../../../../scripts/bench/region.js";
import { writeRegion } from "../../../../scripts/mtc/synthetic/region.js";
import { allModels, categoriesOf } from "../index.js";
import { dumpReadModels, rebuildInto } from "./rebuild.js";
import { createReadModelRunner } from "./runner.js";

const CHILD = resolve(import.meta.dirname, "../testing/runnerChild.ts");
const models = allModels({ everyEvents: 150, everyMinutes: 60 });

/** Runs the runner in a child process and SIGKILLs it after `delayMs` from its start (or lets it finish). */
const runAndKill = (eventsPath: string, file: string, delayMs: number) =>
  new Promise<"killed" | "finished">((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", CHILD, eventsPath, file], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let outcome: "killed" | "finished" = "finished";
    child.stdout.on("data", (chunk: Buffer) => {
      if (String(chunk).includes("started"))
        setTimeout(() => {
          outcome = "killed";
          child.kill("SIGKILL");
        }, delayMs).unref();
    });
    child.once("error", fail);
    child.once("exit", (code, signal) =>
      signal === "SIGKILL" || code === 0 ? done(outcome) : fail(new Error(`child exited ${code}`)),
    );
  });

describe("SIGKILL during catch-up (child process)", () => {
  it("property: killed at a random point and restarted, the read models equal a rebuild from zero, row for row", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mtc-sigkill-"));
    const eventsPath = join(dir, "events.db");
    await writeRegion({
      path: eventsPath,
      events: 3_000,
      seed: 5,
      reference: benchReference(),
      until: new Date("2026-01-31T00:00:00.000Z"),
      years: 30 / 365.25,
    });
    const store = openSqliteEventStore({ path: eventsPath });
    try {
      const fresh = join(dir, "fresh.db");
      await rebuildInto({ store, path: fresh, models, categories: categoriesOf(allModels()) });
      const expected = dumpReadModels(fresh, models);
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 1_500 }), async (delayMs) => {
          const file = join(dir, `readmodels-kill${++run}.db`);
          await runAndKill(eventsPath, file, delayMs);
          const restarted = createReadModelRunner({
            store,
            path: file,
            models,
            categories: categoriesOf(allModels()),
          });
          await restarted.start();
          await restarted.whenReady();
          await restarted.close();
          expect(dumpReadModels(file, models)).toEqual(expected);
        }),
        { numRuns: 3 },
      );
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
