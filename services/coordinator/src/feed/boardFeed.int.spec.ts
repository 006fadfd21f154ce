import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import fc from "fast-check";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { type ClientOptions, WebSocket } from "ws";
// The test clients apply what they receive as the web pages do.
import { applyChange, type FeedMessage, type WireChange } from "../../../web/src/lib/feedWire.js";
import type { Principal } from "../auth/roles.js";
import {
  attachBoardFeed,
  BOARD_PROTOCOL,
  BOARD_PROTOCOL_PATCHES,
  type BoardChange,
  type BoardFeedOptions,
  CLOSE_TOKEN_EXPIRED,
  CLOSE_TOO_SLOW,
  CLOSE_TRY_AGAIN_LATER,
  type FeedIdentity,
} from "./boardFeed.js";

interface Item {
  id: string;
  payload: string;
  alarm?: string;
}

const dispatcher: Principal = { userId: "u1", displayName: "U1", role: "dispatcher" };
const tokens = new Map<string, FeedIdentity>([
  ["u1", { principal: dispatcher, expiresAt: undefined }],
  ["u2", { principal: { ...dispatcher, userId: "u2" }, expiresAt: undefined }],
  ["u3", { principal: { ...dispatcher, userId: "u3" }, expiresAt: undefined }],
]);

const until = async (condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

/**
 * The feed on a real HTTP server with real clients; the board is a plain map that emits its changes. Clients
 * speak `protocol` (v2: patches).
 */
const setUpFeed = async (overrides: Partial<BoardFeedOptions<Item>> = {}, protocol = BOARD_PROTOCOL) => {
  const listeners = new Set<(c: BoardChange<Item>) => void>();
  const board = new Map<string, Item>();
  let position = -1;
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const feed = attachBoardFeed<Item>({
    server,
    path: "/ws/board",
    source: {
      snapshot: () => ({ position, items: [...board.values()] }),
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    idOf: (item) => item.id,
    visibleTo: (_p, item) => item,
    viewKey: () => "all",
    authenticate: (token) => {
      const identity = tokens.get(token);
      if (!identity) throw new Error("bad token");
      return identity;
    },
    maxBufferedBytes: 4 * 1024 * 1024,
    maxConnectionsPerUser: 10,
    maxConnections: 100,
    log: pino({ level: "silent" }),
    ...overrides,
  });
  const { port } = server.address() as { port: number };
  /**
   * Sets an item (or removes it with null) at the next position, as the read model does after a commit; with
   * `tick`, at the current position, as an alarm tick does.
   */
  const emit = (itemId: string, item: Item | null, tick = false) => {
    if (!tick) position++;
    if (item) board.set(itemId, item);
    else board.delete(itemId);
    for (const l of listeners) l({ position, itemId, item });
  };

  /**
   * A real client that keeps its own board from what it receives, as the web page does; `resumeFrom` is an
   * earlier client whose board, position and feed epoch it resumes from (`?after=`).
   */
  const connect = async (
    token = "u1",
    resumeFrom?: { items: ReadonlyMap<string, Item>; position: number; epoch: string | undefined },
    clientOptions: ClientOptions = {},
    speaks = protocol,
  ) => {
    const query =
      resumeFrom === undefined
        ? ""
        : `?after=${resumeFrom.position}${resumeFrom.epoch ? `&epoch=${resumeFrom.epoch}` : ""}`;
    const socket = new WebSocket(
      `ws://127.0.0.1:${port}/ws/board${query}`,
      [speaks, `bearer.${token}`],
      clientOptions,
    );
    const state = {
      socket,
      items: new Map<string, Item>(resumeFrom?.items ?? []),
      position: -2,
      epoch: undefined as string | undefined,
      /** Patches of items this client did not hold: a protocol error. */
      orphanPatches: [] as string[],
      /** Bytes of the change messages received (as the text the client parses). */
      changeBytes: 0,
      /** Positions of the changes received one by one (not coalesced), in arrival order. */
      positions: [] as number[],
      types: [] as string[],
      closed: new Promise<{ code: number; reason: string }>((resolve) =>
        socket.once("close", (code, reason) => resolve({ code, reason: String(reason) })),
      ),
    };
    const apply = (change: WireChange<Item>) => {
      if (applyChange(state.items, change).kind === "unknown") state.orphanPatches.push(change.itemId);
    };
    socket.on("message", (raw) => {
      const message = JSON.parse(String(raw)) as FeedMessage<Item>;
      state.types.push(message.type === "changes" && message.coalesced ? "coalesced" : message.type);
      if ((message.type === "snapshot" || message.type === "caught_up") && message.epoch !== undefined)
        state.epoch = message.epoch;
      if (message.type === "snapshot") {
        state.items.clear();
        for (const item of message.items) state.items.set(item.id, item);
      } else if (message.type === "change") {
        state.changeBytes += Buffer.byteLength(String(raw));
        apply(message);
        state.positions.push(message.position);
      } else if (message.type === "changes") {
        state.changeBytes += Buffer.byteLength(String(raw));
        for (const change of message.changes) {
          apply(change);
          if (!message.coalesced) state.positions.push(change.position);
        }
      }
      if (message.type !== "heartbeat") state.position = message.position;
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    return state;
  };

  /** The status, Retry-After and body of a refused upgrade. */
  const refusal = (token: string) =>
    new Promise<{ status: number; retryAfter: string | undefined; body: string }>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/ws/board`, [protocol, `bearer.${token}`]);
      socket.on("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => {
          body += String(chunk);
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"], body }),
        );
      });
      socket.on("open", () => reject(new Error("the upgrade was accepted")));
      socket.on("error", () => {});
    });

  return {
    feed,
    emit,
    connect,
    refusal,
    board,
    position: () => position,
    close: async () => {
      await feed.close();
      await new Promise((r) => server.close(r));
    },
  };
};

type Env = Awaited<ReturnType<typeof setUpFeed>>;
type Client = Awaited<ReturnType<Env["connect"]>>;
const pause = (client: Client) =>
  (client.socket as unknown as { _socket: { pause(): void } })._socket.pause();
const resume = (client: Client) =>
  (client.socket as unknown as { _socket: { resume(): void } })._socket.resume();
/** Bytes that do not compress, so that the byte bounds are reached whether the client takes compression or not. */
const noise = (chars: number): string => randomBytes(Math.ceil((chars * 3) / 4)).toString("base64");
/** The bytes this client has read from its TCP connection: what went over the wire, compressed or not. */
const wireBytes = (client: Client): number =>
  (client.socket as unknown as { _socket: { bytesRead: number } })._socket.bytesRead;
const sameBoard = (client: Client, env: Env) =>
  client.orphanPatches.length === 0 &&
  client.items.size === env.board.size &&
  [...env.board].every(([id, item]) => JSON.stringify(client.items.get(id)) === JSON.stringify(item));

describe.each([BOARD_PROTOCOL, BOARD_PROTOCOL_PATCHES])("board feed under bursts (%s)", (protocol) => {
  let env: Env | undefined;
  const setUp = (overrides: Partial<BoardFeedOptions<Item>> = {}) => setUpFeed(overrides, protocol);
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it("a client that keeps up gets every change of a burst once, in position order, without gaps", async () => {
    env = await setUp();
    const client = await env.connect();
    await until(() => client.position === -1, "the snapshot");
    // 2,000 changes in one turn of the event loop, as the read models emit after a group commit.
    for (let i = 0; i < 2_000; i++) env.emit(`i${i % 300}`, { id: `i${i % 300}`, payload: `v${i}` });
    await until(() => client.position === 1_999, "the last change");
    expect(client.positions).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
    expect(client.types).not.toContain("coalesced");
    expect(sameBoard(client, env)).toBe(true);
  });

  it("serialises a burst once per view, not once per client", async () => {
    const views = new Map<string, number>();
    env = await setUp({
      // Two views: each principal's view key is its user id here; count how often each view is computed.
      viewKey: (p) => p.userId,
      visibleTo: (p, item) => {
        views.set(p.userId, (views.get(p.userId) ?? 0) + 1);
        return item;
      },
    });
    const clients = await Promise.all(
      Array.from({ length: 10 }, (_, i) => env?.connect(i % 2 === 0 ? "u1" : "u2") as Promise<Client>),
    );
    await until(() => clients.every((c) => c.position === -1), "the snapshots");
    views.clear();
    for (let i = 0; i < 500; i++) env.emit(`i${i}`, { id: `i${i}`, payload: `v${i}` });
    await until(() => clients.every((c) => c.position === 499), "the last change");
    // One evaluation per change (each item is new: no earlier version to see) and view, whatever the number of
    // clients in the view.
    expect(Object.fromEntries(views)).toEqual({ u1: 500, u2: 500 });
    for (const client of clients) expect(client.positions).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it("a client that does not read stays within the byte bound, the others keep receiving, and once it reads it has the exact board", async () => {
    const maxBufferedBytes = 64 * 1024;
    env = await setUp({ maxBufferedBytes });
    const slow = await env.connect("u1");
    const other = await env.connect("u2");
    await until(() => slow.position === -1 && other.position === -1, "the snapshots");
    pause(slow);
    let largest = 0;
    let behind = 0;
    for (let i = 0; i < 1_500; i++) {
      env.emit(`i${i % 40}`, { id: `i${i % 40}`, payload: `${i}:${noise(16 * 1024)}` });
      if (i % 50 === 49) {
        await new Promise((r) => setTimeout(r, 5));
        const stats = env.feed.stats();
        largest = Math.max(largest, stats.maxBufferedAmount);
        behind = Math.max(behind, stats.behind);
      }
    }
    await until(() => other.position === env?.position(), "the other client's last change");
    expect(behind).toBeGreaterThanOrEqual(1);
    expect(largest).toBeLessThanOrEqual(maxBufferedBytes);
    expect(sameBoard(other, env)).toBe(true);
    expect(other.positions).toEqual([...other.positions].sort((a, b) => a - b));

    resume(slow);
    await until(() => slow.position === env?.position(), "the slow client's catch-up");
    expect(slow.types).toContain("coalesced");
    expect(sameBoard(slow, env)).toBe(true);
    // Caught up, it follows the live changes again (in v2, patches of what the catch-up gave it).
    for (let i = 0; i < 40; i++) env.emit(`i${i}`, { id: `i${i}`, payload: `after ${i}`, alarm: "overdue" });
    await until(() => slow.position === env?.position(), "the changes after the catch-up");
    expect(sameBoard(slow, env)).toBe(true);
  });

  it(`a client behind for longer than the stall time is closed with ${CLOSE_TOO_SLOW} and resumes exactly with ?after=`, async () => {
    env = await setUp({ maxBufferedBytes: 64 * 1024, stallMs: 200 });
    const slow = await env.connect("u1");
    await until(() => slow.position === -1, "the snapshot");
    pause(slow);
    for (let i = 0; i < 1_000; i++) {
      env.emit(`i${i % 40}`, { id: `i${i % 40}`, payload: `${i}:${noise(16 * 1024)}` });
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 5));
    }
    await until(() => env?.feed.clientCount() === 0, "the stalled client to be closed");
    resume(slow);
    const closed = await slow.closed;
    expect(closed.code).toBe(CLOSE_TOO_SLOW);
    expect(closed.reason).toMatch(/after=/);

    env.emit("i1", null);
    const again = await env.connect("u1", slow);
    await until(() => again.position === env?.position(), "the resumed client's catch-up");
    expect(sameBoard(again, env)).toBe(true);
  });

  it("compresses each message once for every client that negotiated permessage-deflate; the others, and a client that limits the window, get it plain", async () => {
    env = await setUp();
    // A board whose snapshot stays over 64 KiB compressed: the frame then carries a 64-bit length.
    for (let i = 0; i < 100; i++) env.emit(`n${i}`, { id: `n${i}`, payload: noise(1_500) });
    const compressing = await env.connect("u1");
    const plain = await env.connect("u2", undefined, { perMessageDeflate: false });
    const smallWindow = await env.connect("u3", undefined, {
      perMessageDeflate: { serverMaxWindowBits: 10 },
    });
    expect(compressing.socket.extensions).toBe("permessage-deflate");
    expect(smallWindow.socket.extensions).toBe("");
    const clients = [compressing, plain, smallWindow];
    await until(() => clients.every((c) => c.position === 99), "the snapshots");
    for (const client of clients) expect(sameBoard(client, env)).toBe(true);
    const before = clients.map(wireBytes);
    // Board items repeat their field names and much of their text, as real ones do.
    for (let i = 0; i < 2_000; i++)
      env.emit(`i${i % 300}`, {
        id: `i${i % 300}`,
        payload: `step ${i % 7} of case i${i % 300}, ${"转运".repeat(40)}`,
      });
    await until(() => clients.every((c) => c.position === 2_099), "the last change");
    const [compressed, uncompressed, limited] = clients.map((c, i) => wireBytes(c) - (before[i] as number));
    for (const client of clients) {
      expect(client.positions).toEqual(Array.from({ length: 2_000 }, (_, i) => 100 + i));
      expect(sameBoard(client, env)).toBe(true);
    }
    expect(compressed).toBeLessThan((uncompressed as number) / 4);
    expect(limited).toBeGreaterThanOrEqual(uncompressed as number);
  });

  it("refuses a connection beyond the per-user bound with 429 and beyond the total with 503, both with Retry-After", async () => {
    env = await setUp({ maxConnectionsPerUser: 2, maxConnections: 3 });
    const first = await env.connect("u1");
    await env.connect("u1");
    const perUser = await env.refusal("u1");
    expect(perUser.status).toBe(429);
    expect(Number(perUser.retryAfter)).toBeGreaterThan(0);
    expect(JSON.parse(perUser.body).detail).toMatch(/WS_MAX_CONNECTIONS_PER_USER/);

    await env.connect("u2");
    const total = await env.refusal("u3");
    expect(total.status).toBe(503);
    expect(Number(total.retryAfter)).toBeGreaterThan(0);
    expect(JSON.parse(total.body).detail).toMatch(/WS_MAX_CONNECTIONS/);

    first.socket.close();
    await first.closed;
    await until(() => env?.feed.clientCount() === 2, "the closed connection to be counted off");
    await env.connect("u3");
  });

  it(`closes a connection whose token expires with ${CLOSE_TOKEN_EXPIRED}, and keeps the others`, async () => {
    let now = Date.parse("2026-11-24T10:00:00.000Z");
    tokens.set("short", { principal: { ...dispatcher, userId: "s" }, expiresAt: now + 60_000 });
    env = await setUp({ now: () => now, expirySweepMs: 20 });
    const expiring = await env.connect("short");
    const lasting = await env.connect("u1");
    await until(() => expiring.position === -1 && lasting.position === -1, "the snapshots");
    now += 61_000;
    const closed = await expiring.closed;
    expect(closed).toEqual({ code: CLOSE_TOKEN_EXPIRED, reason: "token expired" });
    env.emit("a", { id: "a", payload: "after expiry" });
    await until(() => lasting.position === 0, "the remaining client's change");
    expect(env.feed.clientCount()).toBe(1);
  });

  it("refuses oversized client messages (maxPayload)", async () => {
    env = await setUp();
    const client = await env.connect();
    client.socket.send("y".repeat(64 * 1024));
    expect((await client.closed).code).toBe(1009);
  });
});

describe(`patches (${BOARD_PROTOCOL_PATCHES})`, () => {
  let env: Env | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });
  /** Items of about 2 KB whose alarm comes and goes, as the board's do at every tick. */
  const large = (id: string, alarm?: string): Item => ({
    id,
    payload: `${id}:${"孕34周，产前出血，血压 90/60；".repeat(40)}`,
    ...(alarm ? { alarm } : {}),
  });

  it("a v2 client gets only the fields that changed and ends with the same board as a v1 client", async () => {
    env = await setUpFeed({}, BOARD_PROTOCOL_PATCHES);
    for (let i = 0; i < 100; i++) env.emit(`i${i}`, large(`i${i}`));
    const v2 = await env.connect("u1");
    const v1 = await env.connect("u2", undefined, {}, BOARD_PROTOCOL);
    expect(v2.socket.protocol).toBe(BOARD_PROTOCOL_PATCHES);
    expect(v1.socket.protocol).toBe(BOARD_PROTOCOL);
    await until(() => v1.position === 99 && v2.position === 99, "the snapshots");
    // Ticks set and clear the alarm of every item (a field set, then unset); commits replace, add and remove.
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 100; i++)
        env.emit(`i${i}`, large(`i${i}`, round % 2 === 0 ? "overdue" : undefined), true);
      env.emit(`i${round}`, { id: `i${round}`, payload: `replaced ${round}` });
      env.emit(`new${round}`, large(`new${round}`));
      env.emit(`i${50 + round}`, null);
    }
    const end = env.position();
    await until(() => v1.position === end && v2.position === end, "the last change");
    expect(sameBoard(v1, env)).toBe(true);
    expect(sameBoard(v2, env)).toBe(true);
    expect(v2.positions).toEqual(v1.positions);
    // The same changes in a tenth of the bytes or less: a tick is the item's id and its alarm.
    expect(v2.changeBytes).toBeLessThan(v1.changeBytes / 10);
  });

  it("a change that shows a v2 view no difference is not sent to it; a v1 view gets the item again", async () => {
    env = await setUpFeed({}, BOARD_PROTOCOL_PATCHES);
    env.emit("a", large("a"));
    const v2 = await env.connect("u1");
    const v1 = await env.connect("u2", undefined, {}, BOARD_PROTOCOL);
    await until(() => v1.position === 0 && v2.position === 0, "the snapshots");
    env.emit("a", large("a"));
    env.emit("b", large("b"));
    await until(() => v1.position === 2 && v2.position === 2, "the changes");
    expect(v1.positions).toEqual([1, 2]);
    expect(v2.positions).toEqual([2]);
    expect(sameBoard(v2, env)).toBe(true);
  });

  it("a v2 client resumes exactly only from this feed's epoch, and gets again the changes at its position (an alarm tick repeats it)", async () => {
    env = await setUpFeed({}, BOARD_PROTOCOL_PATCHES);
    env.emit("a", large("a"));
    env.emit("b", large("b"));
    const first = await env.connect("u1");
    await until(() => first.position === 1, "the snapshot");
    env.emit("a", large("a", "overdue"));
    await until(() => first.positions.length === 1, "the change");
    first.socket.close();
    await first.closed;
    // A tick at the position the client stopped at, which it never received.
    env.emit("b", large("b", "overdue"), true);
    const resumed = await env.connect("u1", first);
    await until(() => resumed.types.includes("caught_up"), "the catch-up");
    expect(resumed.types).not.toContain("snapshot");
    expect(sameBoard(resumed, env)).toBe(true);
    // Later patches apply to what it holds.
    env.emit("b", large("b"), true);
    await until(() => resumed.items.get("b")?.alarm === undefined, "the alarm cleared");
    expect(sameBoard(resumed, env)).toBe(true);

    // Another feed's (or an earlier life's) epoch: what the client holds is not known, so a snapshot.
    const elsewhere = await env.connect("u1", { ...resumed, epoch: "another-instance" });
    await until(() => elsewhere.types.includes("snapshot"), "the snapshot");
    expect(sameBoard(elsewhere, env)).toBe(true);
  });
});

describe("every client ends with the board, whatever happens in between (property)", () => {
  type Op =
    | { op: "set"; item: number; payload: number; alarm: boolean; tick: boolean }
    | { op: "remove"; item: number }
    | { op: "connect"; v2: boolean }
    | { op: "drop"; client: number }
    | { op: "resume"; client: number; sameEpoch: boolean }
    | { op: "wait"; ms: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        op: fc.constant("set" as const),
        item: fc.nat(7),
        payload: fc.nat(3),
        alarm: fc.boolean(),
        tick: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("remove" as const), item: fc.nat(7) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("connect" as const), v2: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("drop" as const), client: fc.nat(5) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant("resume" as const),
        client: fc.nat(5),
        sameEpoch: fc.boolean(),
      }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("wait" as const), ms: fc.constantFrom(0, 5, 30) }) },
  );

  it("v1 and v2 clients, connecting, dropping and resuming (with this feed's epoch or another's) amid changes and ticks, each end with the source's board", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 60 }), async (ops) => {
        const env = await setUpFeed({ flushIntervalMs: 5 });
        const live: Client[] = [];
        const dropped: Client[] = [];
        try {
          for (const step of ops) {
            switch (step.op) {
              case "set":
                env.emit(
                  `i${step.item}`,
                  {
                    id: `i${step.item}`,
                    payload: `p${step.payload}`,
                    ...(step.alarm ? { alarm: "overdue" } : {}),
                  },
                  step.tick && env.position() >= 0,
                );
                break;
              case "remove":
                env.emit(`i${step.item}`, null);
                break;
              case "connect":
                live.push(
                  await env.connect("u1", undefined, {}, step.v2 ? BOARD_PROTOCOL_PATCHES : BOARD_PROTOCOL),
                );
                break;
              case "drop": {
                const client = live.splice(step.client % Math.max(1, live.length), 1)[0];
                if (!client) break;
                client.socket.close();
                await client.closed;
                dropped.push(client);
                break;
              }
              case "resume": {
                const was = dropped.splice(step.client % Math.max(1, dropped.length), 1)[0];
                if (!was || was.position < -1) break;
                const from = step.sameEpoch ? was : { ...was, epoch: "another-feed" };
                live.push(await env.connect("u1", from, {}, was.socket.protocol));
                break;
              }
              case "wait":
                await new Promise((resolve) => setTimeout(resolve, step.ms));
                break;
            }
          }
          // A change every client is told about, whatever its protocol: when it has arrived, all before it has.
          env.emit("last", { id: "last", payload: "end" });
          const end = env.position();
          await until(() => live.every((c) => c.position === end), "every client at the end");
          for (const client of live) expect(sameBoard(client, env)).toBe(true);
        } finally {
          await env.close();
        }
      }),
      { numRuns: 40 },
    );
  }, 60_000);
});

describe("live changes are recorded before they are sent (issue 8 §6)", () => {
  let env: Env | undefined;
  afterEach(async () => {
    await env?.close();
    env = undefined;
  });

  it("a batch goes out only once its record is written, one record per user and address, naming what the view sees", async () => {
    const calls: { userId: string; from: string; items: string[] }[] = [];
    let release: () => void = () => {};
    const written = new Promise<void>((resolve) => {
      release = resolve;
    });
    env = await setUpFeed({
      beforeDeliver: async (principal, from, items) => {
        calls.push({ userId: principal.userId, from, items: items.map((item) => item.id) });
        await written;
      },
    });
    const first = await env.connect("u1");
    const second = await env.connect("u1");
    const other = await env.connect("u2");
    const all = [first, second, other];
    await until(() => all.every((c) => c.position === -1), "the snapshots");
    env.emit("a", { id: "a", payload: "shown" });
    env.emit("b", { id: "b", payload: "shown" });
    await until(() => calls.length === 2, "the records of the batch");
    // Not a byte of the batch before its records are written.
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const client of all) expect(client.positions).toEqual([]);
    // A change arriving meanwhile waits for the next batch, and its own record.
    env.emit("a", { id: "a", payload: "changed again" });
    release();
    await until(() => all.every((c) => c.position === 2), "every change");
    for (const client of all) expect(client.positions).toEqual([0, 1, 2]);
    expect(calls.slice(0, 2).sort((x, y) => x.userId.localeCompare(y.userId))).toEqual([
      { userId: "u1", from: "127.0.0.1", items: ["a", "b"] },
      { userId: "u2", from: "127.0.0.1", items: ["a", "b"] },
    ]);
    expect(calls.slice(2).map((c) => c.items)).toEqual([["a"], ["a"]]);
  });

  it(`a record that cannot be written closes that user's clients with ${CLOSE_TRY_AGAIN_LATER} before anything is sent; the others are served`, async () => {
    env = await setUpFeed({
      beforeDeliver: (principal) => {
        if (principal.userId === "u2") return Promise.reject(new Error("disk full"));
        // A hook that throws instead of rejecting is a failed record too, never a crash of the feed.
        if (principal.userId === "u3") throw new Error("no access log");
        return undefined;
      },
    });
    const served = await env.connect("u1");
    const refused = await env.connect("u2");
    const thrown = await env.connect("u3");
    await until(() => [served, refused, thrown].every((c) => c.position === -1), "the snapshots");
    env.emit("a", { id: "a", payload: "identifiable" });
    for (const client of [refused, thrown])
      expect(await client.closed).toEqual({
        code: CLOSE_TRY_AGAIN_LATER,
        reason: "the access log cannot be written; reconnect later",
      });
    await until(() => served.position === 0, "the change");
    for (const client of [refused, thrown]) {
      expect(client.positions).toEqual([]);
      expect(client.items.has("a")).toBe(false);
    }
    expect(env.feed.clientCount()).toBe(1);
  });
});
