import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GENESIS_HASH, streamHashOf } from "./integrity/hashing.js";
import { verifyLog } from "./integrity/verify.js";
import {
  EventIdConflictError,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from "./port.js";

export interface OpenedStore {
  store: EventStore;
  cleanup(): Promise<void>;
}

/** Unique per call and dash-free, so that it can be a category or the id part of a stream id. */
const uid = (): string => randomUUID().replaceAll("-", "");
const newCategory = (): string => `t${uid().slice(0, 16)}`;
const newStream = (category = newCategory()): string => `${category}-${uid()}`;

export function newEvent(type: string, data: unknown = { n: 1 }): NewEvent {
  return {
    id: randomUUID(),
    type,
    data,
    metadata: {
      actor: { userId: "u-1", role: "obstetrician", institutionId: "hosp-1" },
      caseId: `case-${uid()}`,
      causationId: randomUUID(),
      commandId: randomUUID(),
      occurredAt: "2024-05-01T08:30:00.000Z",
      schemaVersion: 1,
      requestHash: "sha256:abc",
    },
  };
}

const numbered = (count: number, prefix = "E"): NewEvent[] =>
  Array.from({ length: count }, (_, i) => newEvent(`${prefix}${i}`, { i }));

async function readStreamAll(store: EventStore, streamId: string, maxCount?: number, fromRevision?: number) {
  const events: RecordedEvent[] = [];
  for await (const event of store.readStream(streamId, { maxCount, fromRevision })) events.push(event);
  return events;
}

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for condition");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function expectConflict(
  attempt: Promise<unknown>,
  streamId: string,
  expected: ExpectedRevision,
  actual: number | "no_stream",
): Promise<void> {
  const error = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WrongExpectedRevisionError);
  expect(error).toMatchObject({ streamId, expected, actual });
}

function expectStrictlyIncreasing(positions: number[]): void {
  for (let i = 1; i < positions.length; i++) {
    expect(positions[i]).toBeGreaterThan(positions[i - 1] as number);
  }
}

export function describeEventStoreConformance(name: string, open: () => Promise<OpenedStore>): void {
  describe(`event-store conformance: ${name}`, () => {
    let opened: OpenedStore;
    let store: EventStore;
    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });
    afterEach(async () => {
      await opened.cleanup();
    });

    it("appends and reads back events with all metadata and recordedAt", async () => {
      const streamId = newStream();
      const events = [
        newEvent("ReferralRequested", { weeks: 32 }),
        newEvent("ReferralAccepted", { by: "h" }),
      ];
      const before = Date.now();
      const result = await store.append(streamId, events, "no_stream");
      expect(result.nextExpectedRevision).toBe(1);

      const read = await readStreamAll(store, streamId);
      expect(read.map(({ id, type, data, metadata }) => ({ id, type, data, metadata }))).toEqual(events);
      expect(read.map((e) => [e.streamId, e.revision])).toEqual([
        [streamId, 0],
        [streamId, 1],
      ]);
      expectStrictlyIncreasing(read.map((e) => e.position));
      expect(read.at(-1)?.position).toBe(result.position);
      for (const { recordedAt } of read) {
        expect(new Date(recordedAt).toISOString()).toBe(recordedAt);
        expect(Math.abs(Date.parse(recordedAt) - before)).toBeLessThan(60_000);
      }
      expect(await store.headPosition()).toBeGreaterThanOrEqual(result.position);
      expect(await readStreamAll(store, newStream())).toEqual([]);
    });

    it("checks the expected revision: no_stream, stream_exists, any, exact", async () => {
      const streamId = newStream();
      await expectConflict(
        store.append(streamId, [newEvent("A")], "stream_exists"),
        streamId,
        "stream_exists",
        "no_stream",
      );
      await expectConflict(store.append(streamId, [newEvent("A")], 0), streamId, 0, "no_stream");
      await store.append(streamId, [newEvent("A")], "no_stream");
      await expectConflict(store.append(streamId, [newEvent("B")], "no_stream"), streamId, "no_stream", 0);
      expect((await store.append(streamId, [newEvent("B")], "stream_exists")).nextExpectedRevision).toBe(1);
      expect((await store.append(streamId, [newEvent("C")], "any")).nextExpectedRevision).toBe(2);
      expect((await store.append(newStream(), [newEvent("C")], "any")).nextExpectedRevision).toBe(0);
      expect((await store.append(streamId, [newEvent("D")], 2)).nextExpectedRevision).toBe(3);
      await expectConflict(store.append(streamId, [newEvent("E")], 2), streamId, 2, 3);
      await expectConflict(store.append(streamId, [newEvent("E")], 7), streamId, 7, 3);
      expect((await readStreamAll(store, streamId)).map((e) => e.type)).toEqual(["A", "B", "C", "D"]);
    });

    it("treats a repeated append of the same event ids as a no-op returning the first result", async () => {
      const streamId = newStream();
      const first = numbered(2, "A");
      const firstResult = await store.append(streamId, first, "no_stream");
      expect(await store.append(streamId, first, "no_stream")).toEqual(firstResult);

      const later = await store.append(streamId, [newEvent("B")], firstResult.nextExpectedRevision);
      expect(await store.append(streamId, first, later.nextExpectedRevision)).toEqual(firstResult);
      expect(await store.append(streamId, first, "any")).toEqual(firstResult);
      expect(await store.append(streamId, first, 0)).toEqual(firstResult);

      await expect(
        store.append(streamId, [first[0] as NewEvent, newEvent("X")], "any"),
      ).rejects.toBeInstanceOf(EventIdConflictError);
      expect((await readStreamAll(store, streamId)).map((e) => e.type)).toEqual(["A0", "A1", "B"]);
    });

    it("keeps event ids unique across the log: an id used in one stream is refused in another", async () => {
      const [s1, s2] = [newStream(), newStream()];
      const event = newEvent("A");
      const first = await store.append(s1, [event], "no_stream");
      await expect(store.append(s2, [event], "no_stream")).rejects.toBeInstanceOf(EventIdConflictError);
      expect(await readStreamAll(store, s2)).toEqual([]);
      expect(await store.append(s1, [event], "any")).toEqual(first);
    });

    it("keeps one global order across streams", async () => {
      const [c1, c2] = [newCategory(), newCategory()];
      const [s1, s2] = [newStream(c1), newStream(c2)];
      const after = await store.headPosition();
      const revisions = new Map<string, ExpectedRevision>([
        [s1, "no_stream"],
        [s2, "no_stream"],
      ]);
      const types: string[] = [];
      for (let i = 0; i < 6; i++) {
        const streamId = i % 2 === 0 ? s1 : s2;
        const type = `Step${i}`;
        const result = await store.append(
          streamId,
          [newEvent(type)],
          revisions.get(streamId) as ExpectedRevision,
        );
        revisions.set(streamId, result.nextExpectedRevision);
        types.push(type);
      }
      const filtered = await store.readAll({ after, categories: [c1, c2] });
      expect(filtered.map((e) => e.type)).toEqual(types);
      expectStrictlyIncreasing(filtered.map((e) => e.position));

      const unfiltered = (await store.readAll({ after, maxCount: 1_000 })).filter((e) =>
        [s1, s2].includes(e.streamId),
      );
      expect(unfiltered.map((e) => e.type)).toEqual(types);
    });

    it("pages readAll with an exclusive `after`, maxCount and a categories filter", async () => {
      const [mine, noise] = [newCategory(), newCategory()];
      const after = await store.headPosition();
      const expected: string[] = [];
      for (let s = 0; s < 3; s++) {
        const events = numbered(s + 1, `S${s}E`);
        await store.append(newStream(mine), events, "no_stream");
        await store.append(newStream(noise), [newEvent("Noise")], "no_stream");
        expected.push(...events.map((e) => e.type));
      }

      const pages: RecordedEvent[][] = [];
      let cursor = after;
      for (;;) {
        const page = await store.readAll({ after: cursor, maxCount: 4, categories: [mine] });
        if (page.length === 0) break;
        pages.push(page);
        cursor = page.at(-1)?.position as number;
      }
      expect(pages.map((page) => page.length)).toEqual([4, 2]);
      expect(pages.flat().map((e) => e.type)).toEqual(expected);
      expect(pages.flat().every((e) => e.streamId.startsWith(`${mine}-`))).toBe(true);

      const first = pages[0]?.[0] as RecordedEvent;
      const fromFirst = await store.readAll({ after: first.position, maxCount: 1, categories: [mine] });
      expect(fromFirst[0]?.type).toBe(expected[1]);
      expect((await store.readAll({ after, categories: [noise] })).map((e) => e.type)).toEqual([
        "Noise",
        "Noise",
        "Noise",
      ]);
    });

    it("fills a page of a sparse category across long runs of other events, and ends it only at the head", async () => {
      const [sparse, noise] = [newCategory(), newCategory()];
      const after = await store.headPosition();
      await store.append(newStream(sparse), [newEvent("A")], "no_stream");
      await store.append(newStream(noise), numbered(40, "N"), "no_stream");
      await store.append(newStream(sparse), [newEvent("B")], "no_stream");
      await store.append(newStream(noise), numbered(40, "M"), "no_stream");
      await store.append(newStream(sparse), [newEvent("C")], "no_stream");

      const first = await store.readAll({ after, maxCount: 2, categories: [sparse] });
      expect(first.map((e) => e.type)).toEqual(["A", "B"]);
      const rest = await store.readAll({ after: first.at(-1)?.position, maxCount: 2, categories: [sparse] });
      expect(rest.map((e) => e.type)).toEqual(["C"]);
      const both = await store.readAll({ after, maxCount: 100, categories: [noise, sparse] });
      expect(both).toHaveLength(83);
      expectStrictlyIncreasing(both.map((e) => e.position));
    });

    it("subscribes from a position: catch-up then live, no gap, no duplicate, onCaughtUp once, close stops", async () => {
      const category = newCategory();
      const streamId = newStream(category);
      const initial = numbered(5, "Init");
      await store.append(streamId, initial, "no_stream");
      const stored = await readStreamAll(store, streamId);
      const from = stored[1] as RecordedEvent;

      const received: RecordedEvent[] = [];
      let caughtUp = 0;
      const subscription = store.subscribeAll({
        after: from.position,
        categories: [category],
        onEvent: (event) => {
          received.push(event);
        },
        onCaughtUp: () => {
          caughtUp++;
        },
      });

      // Appends keep arriving while the subscription catches up.
      const live = numbered(20, "Live");
      let revision = 4;
      for (const event of live) {
        revision = (await store.append(streamId, [event], revision)).nextExpectedRevision;
      }
      await store.append(newStream(), [newEvent("OtherCategory")], "no_stream");

      const expectedIds = [...initial.slice(2), ...live].map((e) => e.id);
      await waitFor(() => received.length >= expectedIds.length);
      await waitFor(() => caughtUp > 0);
      expect(received.map((e) => e.id)).toEqual(expectedIds);
      expectStrictlyIncreasing(received.map((e) => e.position));

      await subscription.close();
      await store.append(streamId, [newEvent("AfterClose")], revision);
      await sleep(400);
      expect(received).toHaveLength(expectedIds.length);
      expect(caughtUp).toBe(1);
      await expect(subscription.done).resolves.toBeUndefined();
    });

    it("awaits a slow async handler strictly in order, never concurrently", async () => {
      const category = newCategory();
      const after = await store.headPosition();
      let inFlight = 0;
      let maxInFlight = 0;
      const received: string[] = [];
      const subscription = store.subscribeAll({
        after,
        categories: [category],
        onEvent: async (event) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await sleep(event.revision % 3 === 0 ? 15 : 1);
          received.push(event.id);
          inFlight--;
        },
      });
      const appended: string[] = [];
      await Promise.all(
        [0, 1, 2].map(async (s) => {
          const events = numbered(10, `S${s}`);
          const streamId = newStream(category);
          for (const [i, event] of events.entries()) {
            await store.append(streamId, [event], i === 0 ? "no_stream" : i - 1);
          }
        }),
      );
      const all = await store.readAll({ after, categories: [category] });
      appended.push(...all.map((e) => e.id));
      await waitFor(() => received.length >= 30);
      await subscription.close();
      expect(received).toEqual(appended);
      expect(maxInFlight).toBe(1);
    });

    it("rejects `done` and stops when the handler fails", async () => {
      const category = newCategory();
      const after = await store.headPosition();
      await store.append(newStream(category), numbered(3), "no_stream");
      const calls: number[] = [];
      const subscription = store.subscribeAll({
        after,
        categories: [category],
        onEvent: (event) => {
          calls.push(event.revision);
          if (event.revision === 1) throw new Error("projection broke");
        },
      });
      await expect(subscription.done).rejects.toThrow("projection broke");
      await sleep(100);
      expect(calls).toEqual([0, 1]);
      await subscription.close();
    });

    it("reads a large stream in pages, in order", async () => {
      const streamId = newStream();
      let expected: ExpectedRevision = "no_stream";
      for (let batch = 0; batch < 5; batch++) {
        expected = (await store.append(streamId, numbered(500, `B${batch}E`), expected)).nextExpectedRevision;
      }
      expect(expected).toBe(2_499);
      const all = await readStreamAll(store, streamId);
      expect(all.map((e) => e.revision)).toEqual(Array.from({ length: 2_500 }, (_, i) => i));
      expectStrictlyIncreasing(all.map((e) => e.position));
      const tail = await readStreamAll(store, streamId, 300, 1_000);
      expect(tail).toHaveLength(1_500);
      expect(tail[0]?.revision).toBe(1_000);
      expect(tail.at(-1)?.type).toBe("B4E499");
    });

    it("probes a healthy store without adding events", async () => {
      const streamId = newStream();
      await store.append(streamId, [newEvent("Before")], "no_stream");
      const head = await store.headPosition();
      await expect(store.probe()).resolves.toBeUndefined();
      await expect(store.probe()).resolves.toBeUndefined();
      expect(await store.headPosition()).toBe(head);
      expect((await store.append(streamId, [newEvent("After")], 0)).nextExpectedRevision).toBe(1);
    });

    it("chains every event per stream and over the global order; the log verifies (ADR 0006)", async () => {
      const streams = [newStream(), newStream(), newStream()];
      const results = await Promise.all([
        ...streams.map((streamId) => store.append(streamId, numbered(3), "no_stream")),
        store.append(newStream(), [newEvent("Alone")], "any"),
      ]);
      await store.append(streams[0] as string, [newEvent("Later")], "any");
      const last = Math.max(...results.map((r) => r.position));
      // EventStoreDB links the global chain after the write (the chainer): wait until it reached our events.
      let chainedUpTo = -1;
      async function poll() {
        const [atLast] = await store.readChain({ after: last - 1, maxCount: 1 });
        chainedUpTo = atLast?.position ?? -1;
      }
      await waitForAsync(poll, () => chainedUpTo >= last);

      const result = await verifyLog({ store });
      expect(result.firstBreak).toBeUndefined();
      expect(result.ok).toBe(true);

      let prev = GENESIS_HASH;
      const revisions: number[] = [];
      for await (const event of store.readStreamChain(streams[0] as string)) {
        expect(event.streamHash).toBe(streamHashOf(prev, event));
        expect(event.globalHash).toMatch(/^[0-9a-f]{64}$/);
        prev = event.streamHash as string;
        revisions.push(event.revision);
      }
      expect(revisions).toEqual([0, 1, 2, 3]);
    });
  });
}

async function waitForAsync(poll: () => Promise<void>, condition: () => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (await poll(); !condition(); await poll()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the chain");
    await sleep(50);
  }
}
