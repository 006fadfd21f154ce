import { WebSocket } from "ws";
import { type Stats, stats } from "./common.js";

/**
 * Child process of boardBurst.ts: many board clients in groups (one group per view), recording when each item
 * first reaches each client. The parent sends, after the bursts, when each item's change left the read model;
 * this process turns that into receipt latencies. Times are epoch milliseconds (timeOrigin + now()).
 */
export interface Group {
  label: string;
  url: string;
  protocols: string[];
  count: number;
}
export type ToBurstClients =
  | { cmd: "connect"; groups: Group[]; batch: number }
  | { cmd: "settle"; quietMs: number; timeoutMs: number }
  | { cmd: "results"; emitted: [string, number][] }
  | { cmd: "close" };
export interface GroupResult {
  label: string;
  clients: number;
  /** Items this group's view received (by at least one of its clients). */
  items: number;
  /** (client, item) pairs where another client of the same view got the item and this one did not. */
  missing: number;
  /** Connections the server closed while measuring, by close code. */
  closes: Record<string, number>;
}
export type FromBurstClients =
  | { kind: "connected"; count: number; ms: number }
  | { kind: "settled"; messages: number; bytes: number }
  | { kind: "results"; latency: Stats; groups: GroupResult[] }
  | { kind: "closed" }
  | { kind: "error"; message: string };

const epochNow = (): number => performance.timeOrigin + performance.now();
const reply = (message: FromBurstClients): void => {
  process.send?.(message);
};

interface Probe {
  group: string;
  socket: WebSocket;
  /** First arrival per item index (see `itemIndex`). */
  arrivals: Map<number, number>;
}
const probes: Probe[] = [];
const closes = new Map<string, Map<string, number>>();
const itemIndex = new Map<string, number>();
let messages = 0;
let bytes = 0;
let lastMessageAt = 0;

const indexOf = (itemId: string): number => {
  let index = itemIndex.get(itemId);
  if (index === undefined) {
    index = itemIndex.size;
    itemIndex.set(itemId, index);
  }
  return index;
};

interface Wire {
  type?: string;
  itemId?: string;
  changes?: { itemId: string }[];
}

const connectOne = (group: Group) =>
  new Promise<Probe>((resolve, reject) => {
    const socket = new WebSocket(group.url, group.protocols, { perMessageDeflate: false });
    const probe: Probe = { group: group.label, socket, arrivals: new Map() };
    let ready = false;
    socket.on("message", (raw: Buffer) => {
      const t = epochNow();
      messages++;
      bytes += raw.length;
      lastMessageAt = t;
      const message = JSON.parse(raw.toString()) as Wire;
      const seen = (itemId: string) => {
        const index = indexOf(itemId);
        if (!probe.arrivals.has(index)) probe.arrivals.set(index, t);
      };
      if (message.type === "change" && message.itemId !== undefined) seen(message.itemId);
      else if (message.type === "changes") for (const c of message.changes ?? []) seen(c.itemId);
      else if (!ready && (message.type === "snapshot" || message.type === "caught_up")) {
        ready = true;
        resolve(probe);
      }
    });
    socket.on("close", (code) => {
      const byCode = closes.get(group.label) ?? new Map<string, number>();
      byCode.set(String(code), (byCode.get(String(code)) ?? 0) + 1);
      closes.set(group.label, byCode);
    });
    socket.on("error", reject);
    socket.on("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const results = (emitted: [string, number][]): FromBurstClients => {
  const latencies: number[] = [];
  const groups = new Map<string, Probe[]>();
  for (const p of probes) groups.set(p.group, [...(groups.get(p.group) ?? []), p]);
  const summary: GroupResult[] = [];
  for (const [label, members] of groups) {
    let items = 0;
    let missing = 0;
    for (const [itemId, at] of emitted) {
      const index = itemIndex.get(itemId);
      if (index === undefined) continue;
      const got = members.filter((m) => m.arrivals.has(index));
      if (got.length === 0) continue;
      items++;
      missing += members.length - got.length;
      for (const m of got) latencies.push((m.arrivals.get(index) as number) - at);
    }
    const byCode = closes.get(label) ?? new Map<string, number>();
    summary.push({ label, clients: members.length, items, missing, closes: Object.fromEntries(byCode) });
  }
  return { kind: "results", latency: stats(latencies), groups: summary };
};

const handle = async (message: ToBurstClients): Promise<void> => {
  switch (message.cmd) {
    case "connect": {
      const t0 = performance.now();
      for (const group of message.groups) {
        for (let start = 0; start < group.count; start += message.batch) {
          const n = Math.min(message.batch, group.count - start);
          probes.push(...(await Promise.all(Array.from({ length: n }, () => connectOne(group)))));
        }
      }
      return reply({ kind: "connected", count: probes.length, ms: performance.now() - t0 });
    }
    case "settle": {
      const deadline = Date.now() + message.timeoutMs;
      lastMessageAt = epochNow();
      while (epochNow() - lastMessageAt < message.quietMs && Date.now() < deadline) await sleep(20);
      return reply({ kind: "settled", messages, bytes });
    }
    case "results":
      return reply(results(message.emitted));
    case "close": {
      await Promise.all(
        probes.map(
          (p) =>
            new Promise<void>((resolve) => {
              if (p.socket.readyState === WebSocket.CLOSED) return resolve();
              p.socket.once("close", () => resolve());
              p.socket.terminate();
            }),
        ),
      );
      probes.length = 0;
      reply({ kind: "closed" });
      process.disconnect?.();
      return;
    }
  }
};

process.on("message", (message: ToBurstClients) => {
  handle(message).catch((error: unknown) =>
    reply({ kind: "error", message: error instanceof Error ? error.message : String(error) }),
  );
});
