import { WebSocket } from "ws";
import {
  type Histogram,
  latencyHistogram,
  OFFER_DEFLATE,
  scan,
  terminateAll,
  wireBytesOf,
} from "./sockets.js";

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
  | { cmd: "collect"; emitted: [string, number][] }
  | { cmd: "results" }
  | { cmd: "close" };
export interface GroupResult {
  label: string;
  clients: number;
  /** Item changes this group's view received (by at least one of its clients), over all bursts. */
  items: number;
  /** (client, item) pairs where another client of the same view got the item and this one did not. */
  missing: number;
  /** Connections the server closed while measuring, by close code. */
  closes: Record<string, number>;
}
export type FromBurstClients =
  | { kind: "connected"; count: number; ms: number }
  | { kind: "settled"; messages: number; bytes: number; wireBytes: number; receipts: number }
  | { kind: "results"; latency: Histogram; groups: GroupResult[] }
  | { kind: "collected" }
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
let receipts = 0;
let lastMessageAt = 0;

const indexOf = (itemId: string): number => {
  let index = itemIndex.get(itemId);
  if (index === undefined) {
    index = itemIndex.size;
    itemIndex.set(itemId, index);
  }
  return index;
};

const connectOne = (group: Group) =>
  new Promise<Probe>((resolve, reject) => {
    const socket = new WebSocket(group.url, group.protocols, { perMessageDeflate: OFFER_DEFLATE });
    const probe: Probe = { group: group.label, socket, arrivals: new Map() };
    let ready = false;
    socket.on("message", (raw: Buffer) => {
      const t = epochNow();
      messages++;
      bytes += raw.length;
      lastMessageAt = t;
      const message = scan(raw);
      for (const itemId of message.itemIds) {
        receipts++;
        const index = indexOf(itemId);
        if (!probe.arrivals.has(index)) probe.arrivals.set(index, t);
      }
      if (!ready && (message.type === "snapshot" || message.type === "caught_up")) {
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

const latencies = latencyHistogram();
const tally = new Map<string, { items: number; missing: number }>();

/** Latencies of the burst just received against when each item's change was emitted; then forgets arrivals. */
const collect = (emitted: [string, number][]): void => {
  const groups = new Map<string, Probe[]>();
  for (const p of probes) groups.set(p.group, [...(groups.get(p.group) ?? []), p]);
  for (const [label, members] of groups) {
    const counts = tally.get(label) ?? { items: 0, missing: 0 };
    tally.set(label, counts);
    for (const [itemId, at] of emitted) {
      const index = itemIndex.get(itemId);
      if (index === undefined) continue;
      const got = members.filter((m) => m.arrivals.has(index));
      if (got.length === 0) continue;
      counts.items++;
      counts.missing += members.length - got.length;
      for (const m of got) latencies.record((m.arrivals.get(index) as number) - at);
    }
  }
  for (const p of probes) p.arrivals.clear();
};

/** The latencies and counts collected so far; then starts afresh (one call per measured phase). */
const results = (): FromBurstClients => {
  const summary: GroupResult[] = [...tally].map(([label, counts]) => ({
    label,
    clients: probes.filter((p) => p.group === label).length,
    ...counts,
    closes: Object.fromEntries(closes.get(label) ?? new Map<string, number>()),
  }));
  tally.clear();
  return { kind: "results", latency: latencies.take(), groups: summary };
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
      const wireBytes = probes.reduce((n, p) => n + wireBytesOf(p.socket), 0);
      return reply({ kind: "settled", messages, bytes, wireBytes, receipts });
    }
    case "collect":
      collect(message.emitted);
      return reply({ kind: "collected" });
    case "results":
      return reply(results());
    case "close": {
      await terminateAll(probes.map((p) => p.socket));
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
