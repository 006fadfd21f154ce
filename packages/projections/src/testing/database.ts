import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordedEvent } from "@mtc/eventstore";
import Database from "better-sqlite3";
import { createApplier, loadSlots } from "../runner/apply.js";
import { openReadModelDatabase } from "../runner/database.js";
import type { ReadModel } from "../shared/readModel.js";

/**
 * A real read-model file in a temp dir with `events` applied through the runner's applier (no store), and a
 * read-only connection for queries, as the service has. Not exported from the package.
 */
export const readModelFileWith = (models: readonly ReadModel[], events: readonly RecordedEvent[]) => {
  const dir = mkdtempSync(join(tmpdir(), "mtc-readmodels-"));
  const path = join(dir, "readmodels-test.db");
  const { db } = openReadModelDatabase(path);
  const slots = loadSlots(db, models, -1);
  createApplier(db, { cacheSize: 100, emitting: new Set() }).apply(slots, events);
  const reader = new Database(path, { readonly: true });
  return {
    path,
    reader,
    slots,
    close: () => {
      reader.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
