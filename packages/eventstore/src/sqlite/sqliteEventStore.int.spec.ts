import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { describeEventStoreConformance, newEvent } from "../conformance.js";
import { EventIdConflictError, type RecordedEvent, WrongExpectedRevisionError } from "../port.js";
import { assertDurable } from "./database.js";
import { openSqliteEventStore } from "./sqliteEventStore.js";

const dir = mkdtempSync(join(tmpdir(), "mtc-eventstore-"));
let files = 0;
const newPath = () => join(dir, `events-${++files}.sqlite`);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeEventStoreConformance("SQLite (embedded)", async () => {
  const store = openSqliteEventStore({ path: newPath() });
  return { store, cleanup: () => store.close() };
});

describe("SQLite event store", () => {
  it("runs with WAL and synchronous=FULL on the file", async () => {
    const path = newPath();
    const store = openSqliteEventStore({ path });
    const probe = new Database(path, { readonly: true });
    expect(probe.pragma("journal_mode", { simple: true })).toBe("wal");
    probe.close();
    await store.close();
  });

  it("asserts synchronous=FULL at start-up", () => {
    const db = new Database(newPath());
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    expect(() => assertDurable(db)).toThrow(/synchronous is 1, FULL \(2\) required/);
    db.pragma("synchronous = FULL");
    expect(() => assertDurable(db)).not.toThrow();
    db.close();
  });

  it("refuses a database where WAL cannot be in effect", () => {
    expect(() => openSqliteEventStore({ path: ":memory:" })).toThrow(/journal_mode is memory, WAL required/);
  });

  it("stamps recordedAt from the injected clock, in ISO UTC", async () => {
    const store = openSqliteEventStore({
      path: newPath(),
      clock: () => new Date("2024-03-01T10:00:00+08:00"),
    });
    await store.append("referral-1", [newEvent("ReferralRequested")], "no_stream");
    const [event] = await store.readAll();
    expect(event?.recordedAt).toBe("2024-03-01T02:00:00.000Z");
    await store.close();
  });

  it("keeps committed events across close and reopen", async () => {
    const path = newPath();
    const first = openSqliteEventStore({ path });
    const events = [newEvent("A"), newEvent("B")];
    const result = await first.append("transfer-1", events, "no_stream");
    await first.close();

    const reopened = openSqliteEventStore({ path });
    expect((await reopened.readAll()).map((e) => e.id)).toEqual(events.map((e) => e.id));
    expect(await reopened.headPosition()).toBe(result.position);
    await expect(reopened.append("transfer-1", [newEvent("C")], 0)).rejects.toBeInstanceOf(
      WrongExpectedRevisionError,
    );
    expect((await reopened.append("transfer-1", [newEvent("C")], 1)).nextExpectedRevision).toBe(2);
    await reopened.close();
  });

  it("serialises concurrent appends to one stream: exactly one wins per expected revision", async () => {
    const store = openSqliteEventStore({ path: newPath() });
    await store.append("mdt-1", [newEvent("Opened")], "no_stream");
    for (let round = 0; round < 5; round++) {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, () => store.append("mdt-1", [newEvent(`Round${round}`)], round)),
      );
      const won = outcomes.filter((o) => o.status === "fulfilled");
      const lost = outcomes.filter((o) => o.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost.every((o) => o.reason instanceof WrongExpectedRevisionError)).toBe(true);
    }
    const revisions: number[] = [];
    for await (const event of store.readStream("mdt-1")) revisions.push(event.revision);
    expect(revisions).toEqual([0, 1, 2, 3, 4, 5]);
    await store.close();
  });

  it("commits appends of one tick together yet fails only the conflicting one", async () => {
    const store = openSqliteEventStore({ path: newPath() });
    const [a, b, c] = await Promise.allSettled([
      store.append("blood-1", [newEvent("A")], "no_stream"),
      store.append("blood-2", [newEvent("B")], "stream_exists"),
      store.append("blood-3", [newEvent("C")], "no_stream"),
    ]);
    expect(a?.status).toBe("fulfilled");
    expect(b?.status).toBe("rejected");
    expect(c?.status).toBe("fulfilled");
    expect((await store.readAll()).map((e) => e.streamId)).toEqual(["blood-1", "blood-3"]);
    await store.close();
  });

  it("rejects an event id already stored in another stream", async () => {
    const store = openSqliteEventStore({ path: newPath() });
    const event = newEvent("A");
    await store.append("death-1", [event], "no_stream");
    await expect(store.append("death-2", [event], "any")).rejects.toBeInstanceOf(EventIdConflictError);
    await store.close();
  });

  it("lets two instances on one file (two processes) see each other's events through a subscription", async () => {
    const path = newPath();
    const writer = openSqliteEventStore({ path });
    const reader = openSqliteEventStore({ path });
    await writer.append("pregnancy-1", [newEvent("Registered")], "no_stream");
    const received: RecordedEvent[] = [];
    const subscription = reader.subscribeAll({ onEvent: (e) => void received.push(e) });
    for (let i = 0; i < 5; i++) await writer.append("pregnancy-1", [newEvent(`Visit${i}`)], i);
    await expect.poll(() => received.length, { timeout: 5_000 }).toBe(6);
    expect(received.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5]);
    await subscription.close();
    await Promise.all([writer.close(), reader.close()]);
  });
});
