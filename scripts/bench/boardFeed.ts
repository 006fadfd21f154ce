import { type ChildProcess, execFileSync, fork } from "node:child_process";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { WebSocketServer } from "ws";
import type { FromClients, ToClients } from "./boardClients.js";
import { header, log, printResult, type Result, scaled, stats, statsLine } from "./common.js";
import { login, newIdempotencyKey, postJson, referralBody, startBenchService } from "./service.js";

const TARGET_CLIENTS = 1_000;
const CONNECT_BATCH = 100;
const RECEIPT_TIMEOUT_MS = 10_000;

const epochNow = (): number => performance.timeOrigin + performance.now();

/** The soft limit on open files (per process: the clients live in a child process, the server here). */
const fileLimit = (): number => {
  try {
    const out = execFileSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" }).trim();
    return out === "unlimited" ? Number.POSITIVE_INFINITY : Number(out);
  } catch {
    return 1024;
  }
};

/** The WebSocket clients, in a child process of their own (see boardClients.ts). */
export const startClients = () => {
  const child: ChildProcess = fork(fileURLToPath(new URL("./boardClients.ts", import.meta.url)), [], {
    execArgv: process.execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const waiting: ((m: FromClients) => void)[] = [];
  child.on("message", (m: FromClients) => waiting.shift()?.(m));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ask = <K extends FromClients["kind"]>(message: ToClients, kind: K) =>
    new Promise<Extract<FromClients, { kind: K }>>((resolve, reject) => {
      waiting.push((m) => {
        if (m.kind === kind) resolve(m as Extract<FromClients, { kind: K }>);
        else reject(new Error(m.kind === "error" ? `board clients: ${m.message}` : `unexpected ${m.kind}`));
      });
      child.send(message);
    });
  return {
    connect: (url: string, protocols: string[], count: number) =>
      ask({ cmd: "connect", url, protocols, count, batch: CONNECT_BATCH }, "connected"),
    arrivals: (itemId: string) => ask({ cmd: "await", itemId, timeoutMs: RECEIPT_TIMEOUT_MS }, "arrivals"),
    close: async () => {
      if (child.connected) await ask({ cmd: "close" }, "closed").catch(() => undefined);
      if (child.exitCode === null) child.kill();
      await exited;
    },
  };
};

/**
 * The baseline of the feed sections: a raw `ws` server sending a message of `messageBytes` to `clients` clients,
 * `rounds` times after one warm-up; send → receipt of every client, in ms.
 */
export const rawBroadcast = async ({
  clients,
  rounds,
  messageBytes,
  itemIdOf,
}: {
  clients: number;
  rounds: number;
  messageBytes: number;
  itemIdOf: (round: number) => string;
}): Promise<number[]> => {
  const fromBroadcast: number[] = [];
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  wss.on("connection", (socket) =>
    socket.send(JSON.stringify({ type: "snapshot", position: -1, items: [] })),
  );
  const screens = startClients();
  try {
    await screens.connect(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`, [], clients);
    for (let i = 0; i < rounds + 1; i++) {
      const itemId = itemIdOf(i);
      const skeleton = JSON.stringify({ type: "change", position: i, itemId, item: { pad: "" } });
      const pad = "x".repeat(Math.max(0, messageBytes - Buffer.byteLength(skeleton)));
      const text = JSON.stringify({ type: "change", position: i, itemId, item: { pad } });
      const sentAt = epochNow();
      for (const client of wss.clients) client.send(text);
      const { arrivals } = await screens.arrivals(itemId);
      if (i > 0) for (const t of arrivals) fromBroadcast.push(t - sentAt);
    }
  } finally {
    await screens.close();
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }
  return fromBroadcast;
};

export const runBoardFeed = async (): Promise<Result[]> => {
  header("4. board feed — command ack → receipt on WebSocket board clients vs a raw ws broadcast");
  const limit = fileLimit();
  const clients = Math.min(TARGET_CLIENTS, Math.floor(limit - 100));
  const commands = scaled(50, 10);
  log(
    `  sizes: ${clients} clients (in a child process), ${commands} sequential commands; ulimit -n ${limit}`,
  );
  if (clients < TARGET_CLIENTS)
    log(`  !! ulimit -n ${limit} is too low for ${TARGET_CLIENTS} clients: measured with ${clients}`);

  // --- the service ---
  const fromAck: number[] = [];
  const fromSend: number[] = [];
  const ackLatency: number[] = [];
  let messageBytes = 0;
  // Every client logs in as the same dispatcher: lift the per-user bound (WS_MAX_CONNECTIONS_PER_USER) for them.
  const { service, stop } = await startBenchService({
    WS_MAX_CONNECTIONS_PER_USER: String(clients),
    WS_MAX_CONNECTIONS: String(2 * clients),
  });
  try {
    const clinic = await login(service.url, "clinic");
    const dispatcher = await login(service.url, "dispatcher");
    const wsUrl = `${service.url.replace(/^http/, "ws")}/ws/board`;
    const board = startClients();
    try {
      const connected = await board.connect(wsUrl, ["mtc.board.v2", `bearer.${dispatcher.token}`], clients);
      log(
        `  ${connected.count} board clients connected and got their snapshot in ${connected.ms.toFixed(0)} ms`,
      );
      const url = `${service.url}/api/referrals`;
      for (let i = 0; i < commands + 1; i++) {
        const sentAt = epochNow();
        const answer = await postJson(url, referralBody(clinic.institutionId), {
          authorization: `Bearer ${clinic.token}`,
          "idempotency-key": newIdempotencyKey(),
        });
        const ackAt = epochNow();
        if (answer.status !== 201)
          throw new Error(`POST /api/referrals: ${answer.status} ${JSON.stringify(answer.body)}`);
        const { arrivals, messageBytes: bytes } = await board.arrivals(
          `referral-${(answer.body as { id: string }).id}`,
        );
        messageBytes = bytes;
        if (i === 0) continue; // warm-up
        ackLatency.push(ackAt - sentAt);
        for (const t of arrivals) {
          fromAck.push(t - ackAt);
          fromSend.push(t - sentAt);
        }
      }
    } finally {
      await board.close();
    }
  } finally {
    await stop();
  }

  // --- baseline: a raw ws server broadcasting a same-size message to the same clients ---
  const fromBroadcast = await rawBroadcast({
    clients,
    rounds: commands,
    messageBytes,
    itemIdOf: (i) => `referral-R${i}`,
  });

  const signed = stats(fromAck);
  // A receipt before the answer was read waited 0 ms after the acknowledgement.
  const ack = stats(fromAck.map((d) => Math.max(0, d)));
  const send = stats(fromSend);
  const early = fromAck.filter((d) => d < 0).length;
  const b = stats(fromBroadcast);
  log(`  change message ≈ ${messageBytes} bytes`);
  log(`  service, request sent → HTTP answer read (the ack): ${statsLine(stats(ackLatency))}`);
  log(`  service, ack → receipt (signed):  ${statsLine(signed)}`);
  log(`  service, ack → receipt (≥ 0):     ${statsLine(ack)}`);
  if (early > 0)
    log(`    (${early} of ${fromAck.length} receipts came before the HTTP answer was read: counted as 0 ms)`);
  log(`  service, request sent → receipt:  ${statsLine(send)}`);
  log(`  baseline, send() → receipt:       ${statsLine(b)}`);
  const results: Result[] = [
    {
      section: "boardFeed",
      metric: `receipt p50 (${clients} clients)`,
      unit: "ms",
      value: ack.p50,
      baseline: b.p50,
    },
    {
      section: "boardFeed",
      metric: `receipt p99 (${clients} clients)`,
      unit: "ms",
      value: ack.p99,
      baseline: b.p99,
      target: { kind: "max", threshold: 100 },
    },
    {
      section: "boardFeed",
      metric: `request sent → receipt p99 (${clients})`,
      unit: "ms",
      value: send.p99,
      baseline: b.p99,
      target: { kind: "max", threshold: 100 },
    },
  ];
  for (const r of results) printResult(r);
  return results;
};
