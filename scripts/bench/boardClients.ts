import { WebSocket } from "ws";
import { OFFER_DEFLATE, terminateAll } from "./sockets.js";

/**
 * Child process of boardFeed.ts: holds the WebSocket clients on its own event loop, so that receiving 1,000
 * messages does not delay the server (or the HTTP client) it measures. Times are epoch milliseconds with
 * sub-millisecond resolution (performance.timeOrigin + performance.now()), comparable across processes.
 */
export type ToClients =
  | { cmd: "connect"; url: string; protocols: string[]; count: number; batch: number }
  | { cmd: "await"; itemId: string; timeoutMs: number }
  | { cmd: "close" };
export type FromClients =
  | { kind: "connected"; count: number; ms: number }
  | { kind: "arrivals"; itemId: string; arrivals: number[]; messageBytes: number }
  | { kind: "closed" }
  | { kind: "error"; message: string };

const epochNow = (): number => performance.timeOrigin + performance.now();
const reply = (message: FromClients): void => {
  process.send?.(message);
};

interface Probe {
  socket: WebSocket;
  arrivals: Map<string, number>;
}
const probes: Probe[] = [];
let lastBytes = 0;

const connectOne = (url: string, protocols: string[]) =>
  new Promise<Probe>((resolve, reject) => {
    const socket = new WebSocket(url, protocols, { perMessageDeflate: OFFER_DEFLATE });
    const probe: Probe = { socket, arrivals: new Map() };
    let ready = false;
    socket.on("message", (raw) => {
      const t = epochNow();
      const text = raw.toString();
      const message = JSON.parse(text) as { type?: string; itemId?: string; changes?: { itemId: string }[] };
      if (!ready && message.type === "snapshot") {
        ready = true;
        resolve(probe);
        return;
      }
      // Changes that reach the feed together arrive as one `changes` message.
      const itemIds =
        message.type === "change" && message.itemId !== undefined
          ? [message.itemId]
          : message.type === "changes"
            ? (message.changes ?? []).map((c) => c.itemId)
            : [];
      for (const itemId of itemIds) {
        if (probe.arrivals.has(itemId)) continue;
        probe.arrivals.set(itemId, t);
        lastBytes = Buffer.byteLength(text) / itemIds.length;
      }
    });
    socket.on("error", reject);
    socket.on("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const handle = async (message: ToClients): Promise<void> => {
  switch (message.cmd) {
    case "connect": {
      const t0 = performance.now();
      for (let start = 0; start < message.count; start += message.batch) {
        const n = Math.min(message.batch, message.count - start);
        probes.push(
          ...(await Promise.all(Array.from({ length: n }, () => connectOne(message.url, message.protocols)))),
        );
      }
      return reply({ kind: "connected", count: probes.length, ms: performance.now() - t0 });
    }
    case "await": {
      const deadline = Date.now() + message.timeoutMs;
      while (probes.some((p) => !p.arrivals.has(message.itemId))) {
        if (Date.now() > deadline) {
          const missing = probes.filter((p) => !p.arrivals.has(message.itemId)).length;
          throw new Error(`${missing} of ${probes.length} clients never received ${message.itemId}`);
        }
        await sleep(1);
      }
      const arrivals = probes.map((p) => p.arrivals.get(message.itemId) as number);
      for (const p of probes) p.arrivals.delete(message.itemId);
      return reply({ kind: "arrivals", itemId: message.itemId, arrivals, messageBytes: lastBytes });
    }
    case "close": {
      await terminateAll(probes.map((p) => p.socket));
      probes.length = 0;
      reply({ kind: "closed" });
      process.disconnect?.();
      return;
    }
  }
};

process.on("message", (message: ToClients) => {
  handle(message).catch((error: unknown) =>
    reply({ kind: "error", message: error instanceof Error ? error.message : String(error) }),
  );
});
