import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { WebSocket, WebSocketServer } from "ws";
import type { Principal } from "../auth/roles.js";

/** One change of the board: the item as it is after the event at `position`, or null when it left the board. */
export interface BoardChange<Item> {
  position: number;
  itemId: string;
  item: Item | null;
  /** The item before the change, so that whoever could see it is told when it leaves their view. */
  before: Item | null;
}

export interface BoardSource<Item> {
  /** The board now and the log position it reflects. */
  snapshot(): { position: number; items: Item[] };
  /** Changes in log order, each once. Returns the unsubscribe function. */
  subscribe(listener: (change: BoardChange<Item>) => void): () => void;
}

export interface BoardFeedOptions<Item> {
  server: Server;
  path: string;
  source: BoardSource<Item>;
  /** The item as this principal may see it (scoped and masked), or null when it does not concern them. */
  visibleTo(principal: Principal, item: Item): Item | null;
  /** Principals with the same key see the same view, so a change is serialised once per key, not per client. */
  viewKey(principal: Principal): string;
  authenticate(token: string): Principal;
  /** Awaited before the upgrade completes; when it fails the connection is refused with 503 (the access log). */
  beforeOpen?(principal: Principal, request: IncomingMessage): Promise<void>;
  /** A client whose unsent data exceeds this is cut off rather than slowing everyone. */
  maxBufferedBytes: number;
  /** How many recent changes are kept to answer a reconnecting client exactly. */
  replayBufferSize?: number;
  heartbeatMs?: number;
  log: Logger;
}

export const BOARD_PROTOCOL = "mtc.board.v1";
const BEARER_PREFIX = "bearer.";

/**
 * The live board over WebSocket: a snapshot (or exactly the changes a reconnecting client missed), then every
 * change in log order with its position. Clients authenticate in the upgrade request: `Authorization: Bearer`
 * or, from browsers, the subprotocol `bearer.<token>` beside `mtc.board.v1`.
 */
export const attachBoardFeed = <Item>(options: BoardFeedOptions<Item>) => {
  const { source, log } = options;
  const replayLimit = options.replayBufferSize ?? 10_000;
  const replay: BoardChange<Item>[] = [];
  // Every change after `floor` is in `replay`; a client that saw up to `floor` or later can be answered exactly.
  let floor = source.snapshot().position;
  let position = floor;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 4 * 1024,
    handleProtocols: (protocols) => (protocols.has(BOARD_PROTOCOL) ? BOARD_PROTOCOL : false),
  });

  interface Client {
    socket: WebSocket;
    principal: Principal;
    /** Sequence number of the last change this client has been sent (or that its snapshot contains). */
    seq: number;
  }
  const clients = new Set<Client>();

  const send = (client: Client, message: unknown): void => sendRaw(client, JSON.stringify(message));

  const sendRaw = (client: Client, text: string): void => {
    if (client.socket.readyState !== WebSocket.OPEN) return;
    if (client.socket.bufferedAmount > options.maxBufferedBytes) {
      log.warn({ userId: client.principal.userId }, "board client too slow; disconnected");
      client.socket.terminate();
      clients.delete(client);
      return;
    }
    client.socket.send(text);
  };

  const changeFor = (client: Client, change: BoardChange<Item>) => {
    const item = change.item === null ? null : options.visibleTo(client.principal, change.item);
    const wasVisible = change.before !== null && options.visibleTo(client.principal, change.before) !== null;
    if (item === null && !wasVisible) return undefined;
    return { type: "change", position: change.position, itemId: change.itemId, item };
  };

  // Changes are numbered in arrival order (alarm ticks repeat a log position) and broadcast on the next turn
  // of the event loop, in batches, so that sending to a thousand sockets never delays a command's answer.
  let seq = 0;
  let pending: (BoardChange<Item> & { seq: number })[] = [];
  const broadcast = () => {
    const batch = pending;
    pending = [];
    for (const change of batch) {
      const serialised = new Map<string, string | undefined>();
      for (const client of clients) {
        if (client.seq >= change.seq) continue;
        client.seq = change.seq;
        const key = options.viewKey(client.principal);
        if (!serialised.has(key)) {
          const message = changeFor(client, change);
          serialised.set(key, message && JSON.stringify(message));
        }
        const text = serialised.get(key);
        if (text !== undefined) sendRaw(client, text);
      }
    }
  };

  const unsubscribe = source.subscribe((change) => {
    replay.push(change);
    position = change.position;
    if (replay.length > replayLimit) floor = (replay.shift() as BoardChange<Item>).position;
    if (pending.length === 0) setImmediate(broadcast);
    pending.push({ ...change, seq: ++seq });
  });

  const start = (client: Client, after: number | undefined) => {
    if (after !== undefined && after >= floor && after <= position) {
      for (const change of replay) {
        if (change.position <= after) continue;
        const message = changeFor(client, change);
        if (message) send(client, message);
      }
      send(client, { type: "caught_up", position });
      return;
    }
    const snapshot = source.snapshot();
    const items = snapshot.items.flatMap((item) => options.visibleTo(client.principal, item) ?? []);
    send(client, { type: "snapshot", position: snapshot.position, items });
  };

  const refuse = (socket: Duplex, status: number, reason: string) => {
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  };

  const onUpgrade = async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname !== options.path) return;
    let principal: Principal;
    try {
      principal = options.authenticate(tokenOf(request));
    } catch {
      return refuse(socket, 401, "Unauthorized");
    }
    const afterParam = url.searchParams.get("after");
    const after = afterParam !== null && /^-?\d+$/.test(afterParam) ? Number(afterParam) : undefined;
    try {
      await options.beforeOpen?.(principal, request);
    } catch {
      return refuse(socket, 503, "Service Unavailable");
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      // Whatever is still pending is already in the replay buffer or the snapshot this client gets now.
      const client: Client = { socket: ws, principal, seq };
      clients.add(client);
      ws.on("close", () => clients.delete(client));
      ws.on("error", () => clients.delete(client));
      // Clients have nothing to say; any message is answered with the current position (a cheap liveness probe).
      ws.on("message", () => send(client, { type: "heartbeat", position }));
      start(client, after);
    });
  };
  options.server.on("upgrade", onUpgrade);

  const heartbeat = setInterval(() => {
    for (const client of clients) send(client, { type: "heartbeat", position });
  }, options.heartbeatMs ?? 15_000);
  heartbeat.unref();

  return {
    clientCount: () => clients.size,
    close: async () => {
      clearInterval(heartbeat);
      unsubscribe();
      options.server.off("upgrade", onUpgrade);
      for (const client of clients) client.socket.terminate();
      clients.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
};

const tokenOf = (request: IncomingMessage): string => {
  const header = request.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice("Bearer ".length);
  const protocols = (request.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
  const bearer = protocols.find((p) => p.startsWith(BEARER_PREFIX));
  if (bearer) return bearer.slice(BEARER_PREFIX.length);
  throw new Error("no token");
};
