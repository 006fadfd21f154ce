import Database from "better-sqlite3";
import type { Snapshot, SnapshotStore } from "./snapshotStore.js";

interface Row {
  name: string;
  version: number;
  checkpoint: number;
  state: string;
}

/** Durable snapshots on SQLite: WAL with synchronous=FULL so a saved checkpoint survives a power cut. */
export const openSqliteSnapshotStore = ({ path }: { path: string }): SnapshotStore => {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("busy_timeout = 5000");
  db.exec(`CREATE TABLE IF NOT EXISTS projection_snapshots (
    name TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    checkpoint INTEGER NOT NULL,
    state TEXT NOT NULL,
    saved_at TEXT NOT NULL
  )`);
  const select = db.prepare<[string], Row>(
    "SELECT name, version, checkpoint, state FROM projection_snapshots WHERE name = ?",
  );
  const upsert = db.prepare(
    `INSERT INTO projection_snapshots (name, version, checkpoint, state, saved_at)
     VALUES (@name, @version, @checkpoint, @state, @savedAt)
     ON CONFLICT(name) DO UPDATE SET version = excluded.version, checkpoint = excluded.checkpoint,
       state = excluded.state, saved_at = excluded.saved_at`,
  );
  const remove = db.prepare("DELETE FROM projection_snapshots WHERE name = ?");
  // State and checkpoint of every projection move together: one transaction per save.
  const saveAll = db.transaction((snapshots: readonly Snapshot[]) => {
    const savedAt = new Date().toISOString();
    for (const s of snapshots) {
      upsert.run({
        name: s.name,
        version: s.version,
        checkpoint: s.checkpoint,
        state: JSON.stringify(s.state),
        savedAt,
      });
    }
  });
  return {
    load: (name) => {
      const row = select.get(name);
      return row && { ...row, state: JSON.parse(row.state) as unknown };
    },
    save: (snapshots) => {
      saveAll(snapshots);
    },
    delete: (name) => {
      remove.run(name);
    },
    close: () => {
      db.close();
    },
  };
};
