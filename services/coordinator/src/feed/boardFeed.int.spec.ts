import { createServer, type Server } from "node:http";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { Principal } from "../auth/roles.js";
import { attachBoardFeed, BOARD_PROTOCOL, type BoardChange } from "./boardFeed.js";

interface Item {
  id: string;
  payload: string;
}

/** The feed on a real HTTP server with real clients; the board side is a plain emitter of changes. */
const setUp = async (maxBufferedBytes: number) => {
  const listeners = new Set<(c: BoardChange<Item>) => void>();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const feed = attachBoardFeed<Item>({
    server,
    path: "/ws/board",
    source: {
      snapshot: () => ({ position: -1, items: [] }),
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    visibleTo: (_p, item) => item,
    viewKey: () => "all",
    authenticate: (token): Principal => {
      if (token !== "good") throw new Error("bad token");
      return { userId: "u", displayName: "U", role: "dispatcher" };
    },
    maxBufferedBytes,
    log: pino({ level: "silent" }),
  });
  const { port } = server.address() as { port: number };
  const emit = (change: BoardChange<Item>) => {
    for (const l of listeners) l(change);
  };
  const connect = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/board`, [BOARD_PROTOCOL, "bearer.good"]);
      ws.once("open", () => resolve(ws));
      ws.once("error", reject);
    });
  return {
    feed,
    emit,
    connect,
    close: async () => {
      await feed.close();
      await new Promise((r) => server.close(r));
    },
  };
};

describe("board feed back-pressure", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  it("cuts off a client that does not read, and keeps serving the others", async () => {
    const env = await setUp(64 * 1024);
    close = env.close;
    const slow = await env.connect();
    const fast = await env.connect();
    let fastReceived = 0;
    fast.on("message", () => fastReceived++);
    // The slow client stops reading from its socket: the server's send buffer for it fills up.
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();
    const slowClosed = new Promise<void>((resolve) => slow.once("close", () => resolve()));
    const payload = "x".repeat(16 * 1024);
    for (let position = 0; position < 2_000; position++) {
      env.emit({ position, itemId: `i${position}`, item: { id: `i${position}`, payload }, before: null });
      if (position % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(env.feed.clientCount()).toBe(1);
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    await slowClosed;
    expect(fastReceived).toBeGreaterThan(1_000);
  });

  it("refuses oversized client messages (maxPayload)", async () => {
    const env = await setUp(1024 * 1024);
    close = env.close;
    const client = await env.connect();
    const closed = new Promise<number>((resolve) => client.once("close", (code) => resolve(code)));
    client.send("y".repeat(64 * 1024));
    expect(await closed).toBe(1009);
  });
});
