import { closeSync, copyFileSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { newEvent } from "../conformance.js";
import {
  type EventStore,
  type NewEvent,
  StoreUnavailableError,
  WrongExpectedRevisionError,
} from "../port.js";
import { openSqliteEventStore } from "./sqliteEventStore.js";

const dir = mkdtempSync(join(tmpdir(), "mtc-storefail-"));
let files = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A store on a fresh file with a handle on its connection, so that a test can make the file fail for real. */
const openWithConnection = async () => {
  const path = join(dir, `events-${++files}.sqlite`);
  let connection: Database.Database | undefined;
  const store = openSqliteEventStore({
    path,
    onConnection: (db) => {
      connection = db;
    },
  });
  for (let i = 0; i < 3; i++)
    await store.append(`referral-${i}`, [newEvent("ReferralRequested")], "no_stream");
  return { store, path, db: connection as Database.Database };
};

const count = async (store: EventStore) => (await store.readAll({ maxCount: 10_000 })).length;

/** Large enough to need new pages whatever room the last pages have left. */
const bulky = (): NewEvent => ({ ...newEvent("TransferDeparted"), data: { notes: "途中".repeat(20_000) } });

const expectUnavailable = async (promise: Promise<unknown>, reason: string) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreUnavailableError);
  expect((error as StoreUnavailableError).reason).toBe(reason);
  expect((error as StoreUnavailableError).retryAfterSeconds).toBeGreaterThan(0);
};

/** Three appends in one tick share a group-commit batch: the small first one must not be acknowledged alone. */
const appendBatch = (store: EventStore, events: NewEvent[][]) =>
  Promise.allSettled(events.map((batch, i) => store.append(`transfer-${i}`, batch, "any")));

describe("SQLite store failures are StoreUnavailableError, fail the whole batch and heal", () => {
  it("disk full (max_page_count): every append of the batch rejected, log unchanged, retry lands once", async () => {
    const { store, db } = await openWithConnection();
    const before = await count(store);
    const pages = Number(db.pragma("page_count", { simple: true }));
    db.pragma(`max_page_count = ${pages}`);
    const appends = [[newEvent("Small")], [bulky()], [bulky()]];

    const outcomes = await appendBatch(store, appends);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe("rejected");
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
      expect((outcome as PromiseRejectedResult).reason.reason).toBe("disk_full");
    }
    expect(db.inTransaction).toBe(false);
    expect(await count(store)).toBe(before);
    await expectUnavailable(store.probe(), "disk_full");

    db.pragma("max_page_count = 1073741823");
    await expect(store.probe()).resolves.toBeUndefined();
    const first = await appendBatch(store, appends);
    const again = await appendBatch(store, appends);
    expect(first.map((o) => o.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
    expect(again).toEqual(first);
    expect(await count(store)).toBe(before + 3);
    await store.close();
  });

  it("read-only (query_only): appends refused as read_only, reads still answer, the probe sees it", async () => {
    const { store, db } = await openWithConnection();
    const before = await count(store);
    db.pragma("query_only = 1");
    await expectUnavailable(store.append("referral-9", [newEvent("A")], "no_stream"), "read_only");
    expect(await count(store)).toBe(before);
    await expectUnavailable(store.probe(), "read_only");
    db.pragma("query_only = 0");
    await expect(store.probe()).resolves.toBeUndefined();
    await store.append("referral-9", [newEvent("A")], "no_stream");
    expect(await count(store)).toBe(before + 1);
    await store.close();
  });

  it("locked (another connection holds BEGIN EXCLUSIVE): locked, reads still answer, heals on release", async () => {
    const { store, db, path } = await openWithConnection();
    db.pragma("busy_timeout = 50");
    const before = await count(store);
    const other = new Database(path);
    other.exec("BEGIN EXCLUSIVE");
    await expectUnavailable(store.append("referral-9", [newEvent("A")], "no_stream"), "locked");
    expect(await count(store)).toBe(before);
    await expectUnavailable(store.probe(), "locked");
    other.exec("ROLLBACK");
    other.close();
    await expect(store.probe()).resolves.toBeUndefined();
    // A conflict is still a conflict, not a store failure.
    await expect(store.append("referral-0", [newEvent("B")], "no_stream")).rejects.toBeInstanceOf(
      WrongExpectedRevisionError,
    );
    await store.close();
  });

  it("corrupt (bytes overwritten): reads and appends say corrupt, the probe checks integrity until restored", async () => {
    const { store, db, path } = await openWithConnection();
    const before = await count(store);
    db.pragma("wal_checkpoint(TRUNCATE)");
    const good = join(dir, "good.sqlite");
    copyFileSync(path, good);
    const size = statSync(path).size;
    const fd = openSync(path, "r+");
    writeSync(fd, Buffer.alloc(size - 4096, 0xab), 0, size - 4096, 4096);
    closeSync(fd);
    // The connection's page cache still holds the good pages; drop it so that it reads the damaged file.
    db.pragma("shrink_memory");
    await expectUnavailable(store.readAll(), "corrupt");
    await expectUnavailable(store.append("referral-9", [newEvent("A")], "no_stream"), "corrupt");
    await expectUnavailable(store.probe(), "corrupt");
    copyFileSync(good, path);
    db.pragma("shrink_memory");
    await expect(store.probe()).resolves.toBeUndefined();
    expect(await count(store)).toBe(before);
    await store.append("referral-9", [newEvent("A")], "no_stream");
    expect(await count(store)).toBe(before + 1);
    await store.close();
  });
});
