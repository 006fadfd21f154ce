import { brotliCompressSync, brotliDecompressSync, constants } from "node:zlib";
import { referralEventSchemas, transferEventSchemas } from "@mtc/domain";
import type { EventStore } from "@mtc/eventstore";
import type Database from "better-sqlite3";
import { type RecordedHeader, toProjectedEvent } from "../shared/projectedEvent.js";
import type { DocumentModel } from "../shared/readModel.js";
import { applyToBoard, evolveBoardItem, shownItems } from "./evolve.js";
import type { BoardItem } from "./state.js";

export interface BoardCheckpointOptions {
  /** A board checkpoint (for as-of) after at least this many log positions … */
  everyEvents: number;
  /** … or this many minutes of recordedAt since the last one, whichever comes first. */
  everyMinutes: number;
}

// 1,000: at 10,000,000 events (about 1,100 open items to decode) the board as-of p99 was 93 ms with a 5,000-event
// interval, 54–60 ms with 2,000 and 46–51 ms with 1,000, for read-model bytes per event of 499 → 575
// (`BENCH_SCALE=10 BENCH_ONLY=service pnpm bench`). Existing checkpoints stay where they were taken.
export const defaultBoardCheckpoints: BoardCheckpointOptions = { everyEvents: 1_000, everyMinutes: 24 * 60 };

const DDL = `
CREATE TABLE IF NOT EXISTS board_items (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  case_id TEXT NOT NULL,
  risk_grade TEXT NOT NULL,
  origin_institution_id TEXT,
  destination_institution_id TEXT NOT NULL,
  opened_at TEXT NOT NULL,
  last_position INTEGER NOT NULL,
  parked_by TEXT,
  doc TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS board_by_destination ON board_items (destination_institution_id);
CREATE INDEX IF NOT EXISTS board_by_origin ON board_items (origin_institution_id);
CREATE INDEX IF NOT EXISTS board_by_grade ON board_items (risk_grade, opened_at);
CREATE INDEX IF NOT EXISTS board_parked ON board_items (parked_by) WHERE parked_by IS NOT NULL;
CREATE TABLE IF NOT EXISTS board_checkpoints (
  position INTEGER PRIMARY KEY,
  recorded_at TEXT NOT NULL,
  items BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS board_checkpoints_by_time ON board_checkpoints (recorded_at);
`;

/** The streams the board is built from: its items are referrals and transfers, nothing else moves them. */
export const BOARD_CATEGORIES = ["referral", "transfer"] as const;

/** Live transfer board for the dispatch centre (000 §十二): one row per open referral or transfer. */
export const boardModel = (
  checkpoints: BoardCheckpointOptions = defaultBoardCheckpoints,
): DocumentModel<BoardItem> => ({
  kind: "document",
  name: "board",
  categories: BOARD_CATEGORIES,
  // 4: checkpoints along the log, not at batch ends; pre-arrival alerts on transfer items. 5: checkpoints in
  // Brotli, not deflate.
  version: 5,
  handles: [...Object.keys(referralEventSchemas), ...Object.keys(transferEventSchemas)],
  tables: ["board_items", "board_checkpoints"],
  ddl: DDL,
  keyOf: (recorded) => recorded.streamId,
  evolve: evolveBoardItem,
  rows: (db) => {
    const select = db.prepare<[string], { doc: string }>("SELECT doc FROM board_items WHERE id = ?");
    const upsert = db.prepare(
      // An upsert that updates in place touches only the indexes whose columns changed (REPLACE rewrites all).
      `INSERT INTO board_items (id, kind, case_id, risk_grade, origin_institution_id,
         destination_institution_id, opened_at, last_position, parked_by, doc)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, case_id = excluded.case_id,
         risk_grade = excluded.risk_grade, origin_institution_id = excluded.origin_institution_id,
         destination_institution_id = excluded.destination_institution_id, opened_at = excluded.opened_at,
         last_position = excluded.last_position, parked_by = excluded.parked_by, doc = excluded.doc`,
    );
    // An event that leaves every indexed column as it was (most do) writes only the unindexed ones: the four
    // indexes are then left alone, where the upsert rewrote them all.
    const touch = db.prepare(
      "UPDATE board_items SET kind = ?, case_id = ?, last_position = ?, doc = ? WHERE id = ?",
    );
    const remove = db.prepare("DELETE FROM board_items WHERE id = ?");
    return {
      get: (key) => {
        const row = select.get(key);
        return row ? (JSON.parse(row.doc) as BoardItem) : null;
      },
      put: (key, item, previous) => {
        if (
          previous !== null &&
          previous.riskGrade === item.riskGrade &&
          previous.openedAt === item.openedAt &&
          previous.originInstitutionId === item.originInstitutionId &&
          previous.destinationInstitutionId === item.destinationInstitutionId &&
          (previous.parkedBy ?? null) === (item.parkedBy ?? null)
        ) {
          touch.run(item.kind, item.caseId, item.lastPosition, JSON.stringify(item), key);
          return;
        }
        upsert.run(
          key,
          item.kind,
          item.caseId,
          item.riskGrade,
          item.originInstitutionId,
          item.destinationInstitutionId,
          item.openedAt,
          item.lastPosition,
          item.parkedBy ?? null,
          JSON.stringify(item),
        );
      },
      delete: (key) => {
        remove.run(key);
      },
    };
  },
  afterBatch: (db, last) => {
    // A parked decline that a later event has passed was not revived: it has left the board.
    db.prepare("DELETE FROM board_items WHERE parked_by IS NOT NULL AND last_position < ?").run(
      last.position,
    );
    if (!checkpointDue(checkpoints, lastCheckpoint(db), last)) return;
    // Parked rows are kept too: a redirect right after the checkpoint must find its declined item. SQLite joins
    // the documents into one array and hands it over as bytes: no string per row, no re-encoding (a board of 354
    // items: 1.5 → 0.3 ms; at 10,000,000 events a checkpoint falls every 1,000 positions on a larger board).
    const board = db
      .prepare<[], Buffer>(
        "SELECT CAST('[' || coalesce(group_concat(doc, ','), '') || ']' AS BLOB) FROM board_items",
      )
      .pluck()
      .get() as Buffer;
    // Brotli at quality 1: every checkpoint compresses the whole board. On a board of 1,047 items (0.91 MB of
    // JSON) it took 1.2 ms for 127 kB, where deflate at its fastest level took 2.3 ms for 142 kB, and an as-of
    // decompresses it in 0.9 ms instead of 1.3.
    const items = brotliCompressSync(board, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 1,
        [constants.BROTLI_PARAM_SIZE_HINT]: board.length,
      },
    });
    db.prepare(
      "INSERT OR REPLACE INTO board_checkpoints (position, recorded_at, items) VALUES (?, ?, ?)",
    ).run(last.position, last.recordedAt, items);
  },
  // Inside a batch by count only: a checkpoint by recordedAt minutes waits for the batch's end, as before (in a
  // dense log the daily rule would otherwise deflate the whole board every few hundred events: 1,000,000
  // events, offline rebuild, ≈ 8 s of CPU more).
  boundaryDue: (db) => {
    const previous = lastCheckpoint(db)?.position ?? -1;
    return (recorded) => recorded.position - previous >= checkpoints.everyEvents;
  },
});

const lastCheckpoint = (db: Database.Database): { position: number; recorded_at: string } | undefined =>
  db
    .prepare<[], { position: number; recorded_at: string }>(
      "SELECT position, recorded_at FROM board_checkpoints ORDER BY position DESC LIMIT 1",
    )
    .get();

/** Whether a board checkpoint is due after the batch ending with `last`, given the last checkpoint. */
const checkpointDue = (
  { everyEvents, everyMinutes }: BoardCheckpointOptions,
  previous: { position: number; recorded_at: string } | undefined,
  last: RecordedHeader,
): boolean =>
  last.position - (previous?.position ?? -1) >= everyEvents ||
  (previous !== undefined &&
    Date.parse(last.recordedAt) - Date.parse(previous.recorded_at) >= everyMinutes * 60_000);

/** Board queries over the read-only connection. */
export const boardQueries = (db: Database.Database) => {
  const open = db.prepare<[], string>("SELECT doc FROM board_items WHERE parked_by IS NULL").pluck();
  const checkpoint = db.prepare<[string], { position: number; items: Buffer }>(
    "SELECT position, items FROM board_checkpoints WHERE recorded_at <= ? ORDER BY recorded_at DESC, position DESC LIMIT 1",
  );
  return {
    /** Every open item (parked declines are not shown). */
    items: (): BoardItem[] => open.all().map((doc) => JSON.parse(doc) as BoardItem),
    /** The nearest board checkpoint recorded at or before `asOf`: every item then, parked ones included. */
    checkpointAtOrBefore: (asOf: Date): { position: number; items: BoardItem[] } | undefined => {
      const row = checkpoint.get(asOf.toISOString());
      return (
        row && {
          position: row.position,
          items: JSON.parse(brotliDecompressSync(row.items).toString()) as BoardItem[],
        }
      );
    },
  };
};

// Small pages: an as-of stops at its instant, on average half an interval after the checkpoint, and a page of
// 2,000 full rows read (and parsed) for ≈ 450 needed cost 10–15 ms of the ≈ 16 ms an as-of took at 1M events.
const REPLAY_PAGE = 250;

/**
 * The board as it stood at `asOf`: the nearest checkpoint at or before it, then the events recorded since, up
 * to `asOf`, read from the store. Costs O(checkpoint interval), not O(log). Assumes recordedAt does not go
 * down along the log (one writer stamps it at commit).
 */
export const boardAsOf = async (
  store: EventStore,
  db: Database.Database,
  asOf: Date,
  categories: readonly string[] = BOARD_CATEGORIES,
): Promise<{ position: number; items: BoardItem[] }> => {
  const start = boardQueries(db).checkpointAtOrBefore(asOf);
  const items = new Map<string, BoardItem>((start?.items ?? []).map((item) => [item.id, item]));
  const limit = asOf.getTime();
  const failed = new Set<string>();
  let position = start?.position ?? -1;
  for (let after = position; ; ) {
    const page = await store.readAll({ after, maxCount: REPLAY_PAGE, categories });
    for (const recorded of page) {
      if (Date.parse(recorded.recordedAt) > limit) return { position, items: shownItems(items.values()) };
      // As in the runner: an item that cannot take an event keeps its last good state and takes no more.
      const parsed = failed.has(recorded.streamId) ? undefined : toProjectedEvent(recorded);
      if (parsed && !parsed.ok) failed.add(recorded.streamId);
      if (parsed?.ok) {
        try {
          applyToBoard(items, parsed.projected);
        } catch {
          failed.add(recorded.streamId);
        }
      }
      position = recorded.position;
    }
    if (page.length < REPLAY_PAGE) return { position, items: shownItems(items.values()) };
    after = (page.at(-1) as { position: number }).position;
  }
};
