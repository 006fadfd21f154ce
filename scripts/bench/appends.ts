import { randomUUID } from "node:crypto";
import { type NewEvent, openSqliteEventStore } from "@mtc/eventstore";
import Database from "better-sqlite3";
import { fmt, header, log, now, printResult, type Result, scaled, tempDir } from "./common.js";

/** A realistic single event: a referral being accepted (about 400 bytes of data + metadata). */
const acceptedEvent = (i: number): NewEvent => {
  const at = new Date().toISOString();
  return {
    id: randomUUID(),
    type: "ReferralAccepted",
    data: { referralId: `R${i}`, institutionId: "centre", acceptedBy: "张主任", occurredAt: at },
    metadata: {
      actor: { userId: "centre", role: "hospital_staff", institutionId: "centre" },
      caseId: `CASE_${i}`,
      causationId: `cmd_${i}`,
      commandId: `cmd_${i}`,
      occurredAt: at,
      schemaVersion: 1,
    },
  };
};

/** Same columns, constraints and indexes as the embedded store's `events` table; same durability. */
const RAW_SCHEMA = `
CREATE TABLE events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id    TEXT NOT NULL UNIQUE,
  stream_id   TEXT NOT NULL,
  category    TEXT NOT NULL,
  revision    INTEGER NOT NULL,
  type        TEXT NOT NULL,
  data        TEXT NOT NULL,
  metadata    TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  UNIQUE (stream_id, revision)
);
CREATE INDEX events_by_category ON events (category, position);
`;

const openRaw = (path: string) => {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec(RAW_SCHEMA);
  const insert = db.prepare(
    `INSERT INTO events (event_id, stream_id, category, revision, type, data, metadata, recorded_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertOne = (streamId: string, e: NewEvent): void => {
    insert.run(
      e.id,
      streamId,
      "referral",
      0,
      e.type,
      JSON.stringify(e.data),
      JSON.stringify(e.metadata),
      new Date().toISOString(),
    );
  };
  // One row per transaction: BEGIN IMMEDIATE; INSERT; COMMIT (one fsync of the WAL each).
  const txOne = db.transaction(insertOne);
  const txMany = db.transaction((rows: { streamId: string; e: NewEvent }[]) => {
    for (const r of rows) insertOne(r.streamId, r.e);
  });
  return { db, txOne, txMany };
};

export const runAppends = async (): Promise<Result[]> => {
  header("1. appends — embedded SQLite store vs raw better-sqlite3 (WAL, synchronous=FULL)");
  const sequentialN = scaled(2_000, 50);
  const concurrentN = scaled(10_000, 200);
  const inFlight = 64;
  log(
    `  sizes: sequential=${sequentialN} appends, concurrent=${concurrentN} appends with ${inFlight} in flight`,
  );
  const tmp = tempDir("appends");
  const results: Result[] = [];
  try {
    // --- baseline: raw single-row transactions, sequential ---
    const raw = openRaw(tmp.file("raw.db"));
    const warm = 50;
    for (let i = 0; i < warm; i++) raw.txOne.immediate(`referral-W${i}`, acceptedEvent(i));
    let t0 = now();
    for (let i = 0; i < sequentialN; i++) raw.txOne.immediate(`referral-S${i}`, acceptedEvent(i));
    const rawSeqRate = sequentialN / ((now() - t0) / 1000);
    log(`  raw INSERT, 1 row/transaction, sequential: ${fmt(rawSeqRate)} rows/s`);
    // The raw API is synchronous: "in flight" cannot change a 1-row-per-transaction rate. For reference only,
    // the same rows committed 64 per transaction (what perfect group commit could reach).
    t0 = now();
    for (let i = 0; i < concurrentN; i += inFlight) {
      const rows = [];
      for (let j = i; j < Math.min(concurrentN, i + inFlight); j++)
        rows.push({ streamId: `referral-C${j}`, e: acceptedEvent(j) });
      raw.txMany.immediate(rows);
    }
    const rawBatchRate = concurrentN / ((now() - t0) / 1000);
    log(
      `  raw INSERT, ${inFlight} rows/transaction (reference ceiling for group commit): ${fmt(rawBatchRate)} rows/s`,
    );
    raw.db.close();

    // --- the store ---
    const store = openSqliteEventStore({ path: tmp.file("store.db") });
    for (let i = 0; i < warm; i++) await store.append(`referral-W${i}`, [acceptedEvent(i)], "no_stream");
    t0 = now();
    for (let i = 0; i < sequentialN; i++)
      await store.append(`referral-S${i}`, [acceptedEvent(i)], "no_stream");
    const storeSeqRate = sequentialN / ((now() - t0) / 1000);
    log(`  store.append, 1 event, sequential awaited: ${fmt(storeSeqRate)} appends/s`);

    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= concurrentN) return;
        await store.append(`referral-C${i}`, [acceptedEvent(i)], "no_stream");
      }
    };
    t0 = now();
    await Promise.all(Array.from({ length: inFlight }, worker));
    const storeConcRate = concurrentN / ((now() - t0) / 1000);
    log(`  store.append, 1 event, ${inFlight} in flight: ${fmt(storeConcRate)} appends/s`);
    await store.close();

    results.push(
      {
        section: "appends",
        metric: "sequential appends/s",
        unit: "ev/s",
        value: storeSeqRate,
        baseline: rawSeqRate,
        target: { kind: "ratio-min", threshold: 0.7 },
      },
      {
        section: "appends",
        metric: `concurrent (${inFlight}) appends/s`,
        unit: "ev/s",
        value: storeConcRate,
        baseline: rawSeqRate,
        target: { kind: "ratio-min", threshold: 0.7 },
        note: `vs raw 1-row tx; raw ${inFlight}-row tx ceiling ${fmt(rawBatchRate)} ev/s`,
      },
    );
    for (const r of results) printResult(r);
  } finally {
    tmp.cleanup();
  }
  return results;
};
