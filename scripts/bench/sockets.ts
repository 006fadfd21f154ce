import { WebSocket } from "ws";

/** Latencies in 0.1 ms buckets: several processes' figures add up exactly. */
export interface Histogram {
  buckets: [number, number][];
  count: number;
  sum: number;
  max: number;
}

/** Records latencies into a histogram; `take` hands over what was recorded and starts afresh. */
export const latencyHistogram = () => {
  let buckets = new Map<number, number>();
  let count = 0;
  let sum = 0;
  let max = 0;
  return {
    record: (ms: number): void => {
      const bucket = Math.max(0, Math.floor(ms * 10));
      buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
      count++;
      sum += ms;
      max = Math.max(max, ms);
    },
    take: (): Histogram => {
      const histogram: Histogram = { buckets: [...buckets], count, sum, max };
      buckets = new Map();
      count = 0;
      sum = 0;
      max = 0;
      return histogram;
    },
  };
};

/**
 * Whether the bench's board clients offer permessage-deflate, as browsers always do (BENCH_WS_DEFLATE=1). Off by
 * default: a thousand clients on the server's own two cores would each decompress what real clients decompress
 * on their own machines, and the raw-ws baseline sends plain.
 */
export const OFFER_DEFLATE = process.env.BENCH_WS_DEFLATE === "1";

/** The bytes a client has read from its TCP connection: what crossed the wire, compressed or not. */
export const wireBytesOf = (socket: WebSocket): number =>
  (socket as unknown as { _socket?: { bytesRead: number } })._socket?.bytesRead ?? 0;

/** Cuts every client socket at once and resolves when all are closed (a bench's client process ending). */
export const terminateAll = (sockets: readonly WebSocket[]): Promise<void> =>
  Promise.all(
    sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once("close", () => resolve());
          socket.terminate();
        }),
    ),
  ).then(() => undefined);

const ITEM_ID = Buffer.from('"itemId":"');
const QUOTE = 0x22;

/**
 * The item ids a message carries, found by scanning its bytes: parsing gigabytes of JSON in the clients would make
 * them, not the server, the bottleneck of the measurement. Ids are ASCII and JSON puts `type` first.
 */
export const scan = (raw: Buffer): { type: string; itemIds: string[] } => {
  const head = raw.toString("latin1", 0, 24);
  const type = /^\{"type":"([a-z_]+)"/.exec(head)?.[1] ?? "";
  const itemIds: string[] = [];
  if (type === "change" || type === "changes") {
    let at = raw.indexOf(ITEM_ID);
    while (at >= 0) {
      const start = at + ITEM_ID.length;
      const end = raw.indexOf(QUOTE, start);
      itemIds.push(raw.toString("latin1", start, end));
      at = raw.indexOf(ITEM_ID, end);
    }
  }
  return { type, itemIds };
};
