import { type ChildProcess, fork } from "node:child_process";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { WebSocketServer } from "ws";
import type { FromBurstClients, Group, GroupResult, ToBurstClients } from "./boardBurstClients.js";
import { header, log, mb, printResult, type Result, type Stats, scaled, sleep, statsLine } from "./common.js";
import { login, newIdempotencyKey, postJson, referralBody, startBenchService } from "./service.js";

const CLIENTS = 1_000;
const BURSTS = 2;
const CONCURRENCY = 64;
const CONNECT_BATCH = 100;
const BASELINE_MESSAGES = 20;

const epochNow = (): number => performance.timeOrigin + performance.now();

/** The board clients, in a child process of their own (see boardBurstClients.ts). */
const startClients = () => {
  const child: ChildProcess = fork(fileURLToPath(new URL("./boardBurstClients.ts", import.meta.url)), [], {
    execArgv: process.execArgv,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const waiting: ((m: FromBurstClients) => void)[] = [];
  child.on("message", (m: FromBurstClients) => waiting.shift()?.(m));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ask = <K extends FromBurstClients["kind"]>(message: ToBurstClients, kind: K) =>
    new Promise<Extract<FromBurstClients, { kind: K }>>((resolve, reject) => {
      waiting.push((m) => {
        if (m.kind === kind) resolve(m as Extract<FromBurstClients, { kind: K }>);
        else reject(new Error(m.kind === "error" ? `board clients: ${m.message}` : `unexpected ${m.kind}`));
      });
      child.send(message);
    });
  return {
    connect: (groups: Group[]) => ask({ cmd: "connect", groups, batch: CONNECT_BATCH }, "connected"),
    settle: () => ask({ cmd: "settle", quietMs: 1_000, timeoutMs: 60_000 }, "settled"),
    results: (emitted: Map<string, number>) => ask({ cmd: "results", emitted: [...emitted] }, "results"),
    close: async () => {
      if (child.connected) await ask({ cmd: "close" }, "closed").catch(() => undefined);
      if (child.exitCode === null) child.kill();
      await exited;
    },
  };
};

/** The highest RSS of this process (the service runs in it) seen every 20 ms while it runs. */
const rssSampler = () => {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  return {
    peak: () => peak,
    stop: () => clearInterval(timer),
  };
};

const groupLine = (g: GroupResult): string =>
  `    ${g.label.padEnd(10)} ${String(g.clients).padStart(4)} clients, ${g.items} items received, ` +
  `${g.missing} missing, closes ${JSON.stringify(g.closes)}`;

/**
 * Finding 8 of issue 8: bursts of changes to a thousand board clients of several views. The changes are made
 * through the real command API (POST /api/referrals, 64 in flight); the latency runs from the moment the read
 * model emitted the change to the feed (right after the event's commit was applied) to each client's receipt.
 */
export const runBoardBurst = async (): Promise<Result[]> => {
  header("5. board burst — 1,000 board clients (5 views), bursts of 2,000 changes: RSS and receipt latency");
  const perBurst = scaled(2_000, 100);
  const clients = scaled(CLIENTS, 50);
  log(
    `  sizes: ${clients} clients, ${BURSTS} bursts of ${perBurst} referrals, ${CONCURRENCY} commands in flight`,
  );

  const { service, stop } = await startBenchService({
    WS_MAX_CONNECTIONS_PER_USER: String(clients),
    WS_MAX_CONNECTIONS: String(2 * clients),
  });
  const emitted = new Map<string, number>();
  const unsubscribe = service.readModels.boardSource.subscribe((change) => {
    if (!emitted.has(change.itemId)) emitted.set(change.itemId, epochNow());
  });
  let latency: Stats;
  let rssBefore = 0;
  let rssPeak = 0;
  let rssAfter = 0;
  let burstMs = 0;
  let received = { messages: 0, bytes: 0 };
  try {
    const users = ["dispatcher", "clinic", "centre", "county", "auditor"] as const;
    const shares = [0.4, 0.2, 0.2, 0.1, 0.1];
    const tokens = await Promise.all(users.map((u) => login(service.url, u)));
    const clinic = tokens[1] as { token: string; institutionId: string | undefined };
    const wsUrl = `${service.url.replace(/^http/, "ws")}/ws/board`;
    const groups: Group[] = users.map((label, i) => ({
      label,
      url: wsUrl,
      protocols: ["mtc.board.v1", `bearer.${tokens[i]?.token}`],
      count: Math.round(clients * (shares[i] as number)),
    }));
    const board = startClients();
    try {
      const connected = await board.connect(groups);
      log(
        `  ${connected.count} board clients connected and got their snapshot in ${connected.ms.toFixed(0)} ms`,
      );
      await sleep(1_000);
      rssBefore = process.memoryUsage.rss();
      const sampler = rssSampler();
      const url = `${service.url}/api/referrals`;
      const headers = { authorization: `Bearer ${clinic.token}` };
      for (let burst = 0; burst < BURSTS; burst++) {
        const t0 = performance.now();
        let next = 0;
        const worker = async () => {
          while (next < perBurst) {
            next++;
            const answer = await postJson(url, referralBody(clinic.institutionId), {
              ...headers,
              "idempotency-key": newIdempotencyKey(),
            });
            if (answer.status !== 201)
              throw new Error(`POST /api/referrals: ${answer.status} ${JSON.stringify(answer.body)}`);
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
        const ms = performance.now() - t0;
        burstMs += ms;
        received = await board.settle();
        log(
          `  burst ${burst + 1}: ${perBurst} commands in ${ms.toFixed(0)} ms; peak RSS so far ${mb(sampler.peak())}`,
        );
      }
      await sleep(2_000);
      sampler.stop();
      rssPeak = sampler.peak();
      rssAfter = process.memoryUsage.rss();
      const result = await board.results(emitted);
      latency = result.latency;
      for (const g of result.groups) log(groupLine(g));
    } finally {
      await board.close();
    }
  } finally {
    unsubscribe();
    await stop();
  }

  // --- baseline: one pre-serialised message broadcast to as many raw ws clients ---
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  wss.on("connection", (socket) =>
    socket.send(JSON.stringify({ type: "snapshot", position: -1, items: [] })),
  );
  const sent = new Map<string, number>();
  const raw = startClients();
  let baseline: Stats;
  let baselineRss = 0;
  try {
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
    await raw.connect([{ label: "raw", url, protocols: [], count: clients }]);
    const before = process.memoryUsage.rss();
    const sampler = rssSampler();
    const pad = "x".repeat(Math.max(0, Math.round(received.bytes / Math.max(1, received.messages)) - 60));
    for (let i = 0; i < BASELINE_MESSAGES; i++) {
      const itemId = `raw-${i}`;
      const message = Buffer.from(JSON.stringify({ type: "change", position: i, itemId, item: { pad } }));
      sent.set(itemId, epochNow());
      for (const client of wss.clients) client.send(message, { binary: false });
      await sleep(50);
    }
    await raw.settle();
    sampler.stop();
    baselineRss = sampler.peak() - before;
    baseline = (await raw.results(sent)).latency;
  } finally {
    await raw.close();
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }

  log(`  commands: ${BURSTS * perBurst} in ${burstMs.toFixed(0)} ms of bursts`);
  log(
    `  received by the clients: ${received.messages} messages, ${mb(received.bytes)} ` +
      `(≈ ${Math.round(received.bytes / Math.max(1, received.messages))} bytes per message)`,
  );
  log(
    `  server RSS: before ${mb(rssBefore)}, peak ${mb(rssPeak)} (+${mb(rssPeak - rssBefore)}), after ${mb(rssAfter)}`,
  );
  log(`  service, change emitted → receipt: ${statsLine(latency)}`);
  log(`  baseline, one message → ${clients} raw ws clients: ${statsLine(baseline)}; RSS +${mb(baselineRss)}`);
  const results: Result[] = [
    {
      section: "boardBurst",
      metric: `RSS growth (${clients} clients, bursts)`,
      unit: "MB",
      value: (rssPeak - rssBefore) / 1024 / 1024,
      baseline: baselineRss / 1024 / 1024,
      target: { kind: "max", threshold: 100 },
    },
    {
      section: "boardBurst",
      metric: `burst receipt p50 (${clients} clients)`,
      unit: "ms",
      value: latency.p50,
      baseline: baseline.p50,
    },
    {
      section: "boardBurst",
      metric: `burst receipt p99 (${clients} clients)`,
      unit: "ms",
      value: latency.p99,
      baseline: baseline.p99,
      target: { kind: "max", threshold: 100 },
    },
    {
      section: "boardBurst",
      metric: `burst receipt max (${clients} clients)`,
      unit: "ms",
      value: latency.max,
      baseline: baseline.max,
    },
  ];
  for (const r of results) printResult(r);
  return results;
};
