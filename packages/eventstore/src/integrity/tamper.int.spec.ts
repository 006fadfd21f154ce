import { generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { newEvent } from "../conformance.js";
import type { RecordedEvent } from "../port.js";
import { openSqliteEventStore } from "../sqlite/sqliteEventStore.js";
import { buildCaseExport, verifyExport } from "./caseExport.js";
import { chainEvent } from "./hashing.js";
import { signChainTip, signedHeadEvent } from "./heads.js";
import { HEADS_STREAM } from "./signedHead.js";
import { signedHeadFile, type VerifyProgress, verifyLog } from "./verify.js";
import { workerWalker } from "./walker.js";

const dir = mkdtempSync(join(tmpdir(), "mtc-tamper-"));
let files = 0;
const newPath = () => join(dir, `events-${++files}.sqlite`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const { privateKey } = generateKeyPairSync("ed25519");

/**
 * Every verification twice: with the walk's default stream cache, and keeping a single stream's link in memory so
 * that every other link is looked up in the file. Both must name the same break (memory bounded, issue 8).
 */
const verifyBoth: typeof verifyLog = async (options) => {
  const cached = await verifyLog(options);
  const lookedUp = await verifyLog({ ...options, streamCacheSize: 1 });
  expect(lookedUp).toEqual(cached);
  return cached;
};

/** 24 events over 4 streams, partly appended in one tick (one group commit), partly one by one. */
async function writeLog(path: string): Promise<void> {
  const store = openSqliteEventStore({ path });
  for (let round = 0; round < 3; round++) {
    await Promise.all(
      ["referral-a", "referral-b", "transfer-a", "transfer-b"].map((streamId) =>
        store.append(
          streamId,
          [newEvent(`Step${round}`, { round, streamId })],
          round === 0 ? "no_stream" : "any",
        ),
      ),
    );
  }
  for (let i = 0; i < 12; i++)
    await store.append(
      i % 2 ? "referral-a" : "transfer-b",
      [newEvent("Note", { i, text: "产前出血" })],
      "any",
    );
  await store.close();
}

/** Tampering as someone with the file would do it: plain SQL, the service stopped. */
function tamper(path: string, sql: (db: Database.Database) => void): void {
  const db = new Database(path);
  sql(db);
  db.close();
}

interface Row {
  position: number;
  [column: string]: unknown;
}
const rowAt = (db: Database.Database, position: number) =>
  db.prepare<[number], Row>("SELECT * FROM events WHERE position = ?").get(position) as Row;
const insertRow = (db: Database.Database, row: Row) => {
  const columns = Object.keys(row);
  db.prepare(
    `INSERT INTO events (${columns.join(", ")}) VALUES (${columns.map((c) => `@${c}`).join(", ")})`,
  ).run(row);
};
/** Moves every row from `position` on one place up, leaving `position` free. */
const openGapAt = (db: Database.Database, position: number) => {
  db.prepare("UPDATE events SET position = -position WHERE position >= ?").run(position);
  db.exec("UPDATE events SET position = 1 - position WHERE position < 0");
};

describe("Hash-chained log: tamper suite (issue 8 finding 5)", () => {
  it("verifies a clean log written in batches, across a restart and by two processes on one file", async () => {
    const path = newPath();
    await writeLog(path);
    const first = openSqliteEventStore({ path });
    const second = openSqliteEventStore({ path });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? first : second).append(`transfer-p${i % 3}`, [newEvent("Both", { i })], "any"),
      ),
    );
    await Promise.all([first.close(), second.close()]);
    const progress: VerifyProgress[] = [];
    const result = await verifyBoth({ path, pageSize: 7, onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ ok: true, checked: 34, lastPosition: 34 });
    expect(result.firstBreak).toBeUndefined();
    expect(progress.at(-1)).toEqual({ checked: 34, position: 34, head: 34 });
    expect(progress.length).toBeGreaterThan(4);
  });

  it("computes the chain for a file written before it existed, at open", async () => {
    const path = newPath();
    tamper(path, (db) => {
      db.pragma("journal_mode = WAL");
      db.exec(`CREATE TABLE events (
        position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, stream_id TEXT NOT NULL,
        category TEXT NOT NULL, revision INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
        metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, UNIQUE (stream_id, revision));
        CREATE TABLE streams (stream_id TEXT PRIMARY KEY, revision INTEGER NOT NULL);`);
      for (let revision = 0; revision < 3; revision++) {
        const event = newEvent("Old", { revision });
        db.prepare(
          `INSERT INTO events (event_id, stream_id, category, revision, type, data, metadata, recorded_at)
           VALUES (?, 'referral-old', 'referral', ?, 'Old', ?, ?, '2024-01-01T00:00:00.000Z')`,
        ).run(event.id, revision, JSON.stringify(event.data), JSON.stringify(event.metadata));
      }
      db.exec("INSERT INTO streams VALUES ('referral-old', 2)");
    });
    const store = openSqliteEventStore({ path });
    await store.append("referral-old", [newEvent("New")], 2);
    // The next revision came from the events themselves; the old table of stream heads is gone.
    await expect(store.append("referral-old", [newEvent("Stale")], 2)).rejects.toThrow();
    await store.close();
    expect(await verifyBoth({ path })).toMatchObject({ ok: true, checked: 4 });
    tamper(path, (db) =>
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'streams'").all()).toEqual([]),
    );
  });

  it("names an edited row (its data changed) at its position", async () => {
    const path = newPath();
    await writeLog(path);
    tamper(path, (db) =>
      db.prepare("UPDATE events SET data = ? WHERE position = 9").run('{"round":2,"x":1}'),
    );
    const result = await verifyBoth({ path });
    expect(result.ok).toBe(false);
    expect(result.firstBreak).toMatchObject({ position: 9, kind: "edited" });
    expect(result.checked).toBe(8);
  });

  it("names an edited row whose own hashes were recomputed as edited, at its position", async () => {
    const path = newPath();
    await writeLog(path);
    tamper(path, (db) => {
      db.prepare("UPDATE events SET data = ? WHERE position = 9").run('{"round":2,"x":1}');
      rechain(db, 9);
    });
    expect((await verifyBoth({ path })).firstBreak).toMatchObject({ position: 9, kind: "edited" });
  });

  it("refuses a file that has no chain rather than computing one over it", async () => {
    const path = newPath();
    tamper(path, (db) => db.exec("CREATE TABLE events (position INTEGER PRIMARY KEY, data TEXT)"));
    await expect(verifyLog({ path })).rejects.toThrow(/no hash chain yet/);
  });

  it("names a deleted row as missing where the chain breaks", async () => {
    const path = newPath();
    await writeLog(path);
    tamper(path, (db) => db.exec("DELETE FROM events WHERE position = 10"));
    expect((await verifyBoth({ path })).firstBreak).toMatchObject({ position: 11, kind: "missing" });
  });

  it("names two rows whose contents were swapped as reordered, at the first of them", async () => {
    const path = newPath();
    await writeLog(path);
    tamper(path, (db) => {
      const [a, b] = [rowAt(db, 6), rowAt(db, 15)];
      db.exec("DELETE FROM events WHERE position IN (6, 15)");
      insertRow(db, { ...b, position: 6 });
      insertRow(db, { ...a, position: 15 });
    });
    expect((await verifyBoth({ path })).firstBreak).toMatchObject({ position: 6, kind: "reordered" });
  });

  it("names swapped neighbours as reordered", async () => {
    const path = newPath();
    await writeLog(path);
    tamper(path, (db) => {
      const [a, b] = [rowAt(db, 12), rowAt(db, 13)];
      db.exec("DELETE FROM events WHERE position IN (12, 13)");
      insertRow(db, { ...b, position: 12 });
      insertRow(db, { ...a, position: 13 });
    });
    expect((await verifyBoth({ path })).firstBreak).toMatchObject({ position: 12, kind: "reordered" });
  });

  it("names a forged row inserted without valid links as inserted", async () => {
    const path = newPath();
    await writeLog(path);
    tamper(path, (db) => {
      const model = rowAt(db, 7);
      openGapAt(db, 7);
      insertRow(db, {
        ...model,
        position: 7,
        event_id: randomUUID(),
        stream_id: "referral-forged",
        revision: 0,
      });
    });
    expect((await verifyBoth({ path })).firstBreak).toMatchObject({ position: 7, kind: "inserted" });
  });

  it("names a forged row with correctly computed links as inserted: the next row links past it", async () => {
    const path = newPath();
    await writeLog(path);
    tamper(path, (db) => {
      const before = rowAt(db, 6);
      openGapAt(db, 7);
      const forged: RecordedEvent = {
        ...newEvent("ReferralAccepted", { acceptedBy: "forged" }),
        streamId: "referral-forged",
        revision: 0,
        position: 7,
        recordedAt: "2024-01-01T00:00:00.000Z",
      };
      const links = chainEvent(forged, "0".repeat(64), before.global_hash as string);
      insertRow(db, {
        position: 7,
        event_id: forged.id,
        stream_id: forged.streamId,
        category: "referral",
        revision: 0,
        type: forged.type,
        data: JSON.stringify(forged.data),
        metadata: JSON.stringify(forged.metadata),
        recorded_at: forged.recordedAt,
        stream_hash: links.streamHash,
        global_prev: links.globalPrev,
        global_hash: links.globalHash,
      });
    });
    expect((await verifyBoth({ path })).firstBreak).toMatchObject({
      position: 7,
      streamId: "referral-forged",
      kind: "inserted",
    });
  });

  it("names a tail cut after a signed head as truncated, at the signed position", async () => {
    const path = newPath();
    await writeLog(path);
    const store = openSqliteEventStore({ path });
    const head = await signChainTip(store, privateKey, new Date("2026-01-01T00:00:00Z"));
    if (!head) throw new Error("nothing to sign");
    await store.append(HEADS_STREAM, [signedHeadEvent(head, randomUUID(), head.signedAt)], "any");
    writeFileSync(signedHeadFile(path), JSON.stringify(head));
    await store.append("referral-a", [newEvent("After")], "any");
    await store.close();
    expect(await verifyBoth({ path })).toMatchObject({ ok: true, headsChecked: 2 });

    tamper(path, (db) => db.prepare("DELETE FROM events WHERE position >= ?").run(head.position - 2));
    const result = await verifyBoth({ path });
    expect(result.firstBreak).toMatchObject({ position: head.position, kind: "truncated" });
  });

  it("catches a chain recomputed after an edit: the signed head in the log no longer matches", async () => {
    const path = newPath();
    await writeLog(path);
    const store = openSqliteEventStore({ path });
    const head = await signChainTip(store, privateKey, new Date("2026-01-01T00:00:00Z"));
    if (!head) throw new Error("nothing to sign");
    await store.append(HEADS_STREAM, [signedHeadEvent(head, randomUUID(), head.signedAt)], "any");
    await store.close();
    tamper(path, (db) => {
      db.prepare("UPDATE events SET data = ? WHERE position = 3").run('{"round":0,"rewritten":true}');
      rechain(db);
    });
    const result = await verifyBoth({ path });
    expect(result.firstBreak).toMatchObject({ position: head.position, kind: "edited" });
  });

  it("a case export verifies offline; a byte edited in it fails", async () => {
    const path = newPath();
    await writeLog(path);
    const store = openSqliteEventStore({ path });
    const streams = [];
    for (const streamId of ["referral-a", "transfer-b"]) {
      const events = [];
      for await (const event of store.readStreamChain(streamId)) events.push(event);
      streams.push({ streamId, events });
    }
    const head = await signChainTip(store, privateKey, new Date("2026-01-01T00:00:00Z"));
    await store.close();
    const exported = buildCaseExport(
      {
        caseId: "CASE_1",
        exportedAt: "2026-01-01T00:00:00.000Z",
        exportedBy: { userId: "auditor", role: "auditor" },
        streams,
        signedHead: head ?? null,
      },
      privateKey,
    );
    const text = JSON.stringify(exported);
    expect(verifyExport(JSON.parse(text))).toMatchObject({
      ok: true,
      events: 18,
      streams: 2,
      headCoversExport: true,
    });

    const edited = verifyExport(JSON.parse(text.replace('"text":"产前出血"', '"text":"产后出血"')));
    expect(edited.ok).toBe(false);
    expect(edited.problems).toContain("the export's signature does not verify");
    expect(edited.problems.some((p) => p.includes("stream link does not match"))).toBe(true);

    const dropped = JSON.parse(text) as typeof exported;
    dropped.streams[0]?.events.splice(1, 1);
    expect(verifyExport(dropped).problems.join("\n")).toMatch(/not complete from revision 0/);
  });

  // Paced to a share of a core (INTEGRITY_WALK_SHARE) or not, the walk finds the same.
  for (const share of [1, 0.25])
    it(`the service's worker-thread walker (share ${share}) names the same break as verify, and follows new events`, async () => {
      const path = newPath();
      await writeLog(path);
      const walker = workerWalker({ path, trustedKey: undefined, share });
      try {
        expect(await walker.advance()).toMatchObject({ found: undefined, snapshot: { checked: 24 } });
        const store = openSqliteEventStore({ path });
        await store.append("referral-a", [newEvent("Later")], "any");
        await store.close();
        expect(await walker.advance()).toMatchObject({ found: undefined, snapshot: { checked: 25 } });
        tamper(path, (db) =>
          db.prepare("UPDATE events SET data = ? WHERE position = 9").run('{"round":2,"x":1}'),
        );
        const again = await walker.again();
        expect(again.found).toEqual((await verifyBoth({ path })).firstBreak);
        expect(again.found).toMatchObject({ position: 9, kind: "edited" });
      } finally {
        await walker.close();
      }
    });

  it("stops when aborted", async () => {
    const path = newPath();
    await writeLog(path);
    const controller = new AbortController();
    controller.abort();
    await expect(verifyLog({ path, signal: controller.signal })).rejects.toThrow(/abort/i);
  });
});

/** What a knowing attacker does after editing: recompute the links (up to `through`), as the store would have. */
function rechain(db: Database.Database, through = Number.MAX_SAFE_INTEGER): void {
  const rows = db
    .prepare<[number], Row>("SELECT * FROM events WHERE position <= ? ORDER BY position")
    .all(through);
  const streams = new Map<string, string>();
  let prev = "0".repeat(64);
  for (const row of rows) {
    const event: RecordedEvent = {
      id: row.event_id as string,
      streamId: row.stream_id as string,
      revision: row.revision as number,
      position: row.position,
      type: row.type as string,
      data: JSON.parse(row.data as string) as unknown,
      metadata: JSON.parse(row.metadata as string) as RecordedEvent["metadata"],
      recordedAt: row.recorded_at as string,
    };
    const links = chainEvent(event, streams.get(event.streamId) ?? "0".repeat(64), prev);
    db.prepare("UPDATE events SET stream_hash = ?, global_prev = ?, global_hash = ? WHERE position = ?").run(
      links.streamHash,
      links.globalPrev,
      links.globalHash,
      row.position,
    );
    streams.set(event.streamId, links.streamHash);
    prev = links.globalHash;
  }
}
