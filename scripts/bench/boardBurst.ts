import { type ChildProcess, fork } from "node:child_process";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { WebSocketServer } from "ws";
import type { FromBurstClients, Group, GroupResult, ToBurstClients } from "./boardBurstClients.js";
import { header, log, mb, printResult, type Result, type Stats, scaled, sleep, statsLine } from "./common.js";
import { login, newIdempotencyKey, postJson, referralBody, startBenchService } from "./service.js";

const CLIENTS = 1_000;
const TICK_BURSTS = 2;
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
    collect: (emitted: Map<string, number>) => ask({ cmd: "collect", emitted: [...emitted] }, "collected"),
    results: () => ask({ cmd: "results" }, "results"),
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
 * Finding 8 of issue 8: bursts of 2,000 changes to a thousand board clients of five views, two kinds:
 * (a) commands: 2,000 referrals through the real command API (POST /api/referrals, 64 in flight) while the
 *     clients watch, as in the finding; the changes then arrive as fast as the service commits them;
 * (b) one tick: the service's own board source emits a change for every item in one turn of the event loop
 *     (the service clock moves past the unanswered-emergency alarm threshold, and back, and the read models
 *     re-evaluate alarms), as a burst of commits applied together does.
 * Latency runs from the read model's emission of the change (right after its commit was applied) to each
 * client's receipt. The server's RSS is sampled throughout (the service runs in this process).
 */
export const runBoardBurst = async (): Promise<Result[]> => {
  header("5. board burst — 1,000 board clients (5 views), bursts of 2,000 changes: RSS and receipt latency");
  const perBurst = scaled(2_000, 100);
  const clients = scaled(CLIENTS, 50);
  log(
    `  sizes: ${clients} clients; (a) ${perBurst} referrals, ${CONCURRENCY} in flight; (b) ${TICK_BURSTS} one-tick bursts of ${perBurst} changes`,
  );

  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);
  const { service, stop } = await startBenchService(
    { WS_MAX_CONNECTIONS_PER_USER: String(clients), WS_MAX_CONNECTIONS: String(2 * clients) },
    clock,
  );
  let emitted = new Map<string, number>();
  const unsubscribe = service.readModels.boardSource.subscribe((change) => {
    if (!emitted.has(change.itemId)) emitted.set(change.itemId, epochNow());
  });
  let commands: Stats;
  let ticks: Stats;
  let commandsMs = 0;
  let rssBefore = 0;
  let rssPeak = 0;
  let rssAfter = 0;
  let received = { messages: 0, bytes: 0, receipts: 0 };
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

      // (a) through the command API
      const t0 = performance.now();
      let next = 0;
      const worker = async () => {
        while (next < perBurst) {
          next++;
          const answer = await postJson(`${service.url}/api/referrals`, referralBody(clinic.institutionId), {
            authorization: `Bearer ${clinic.token}`,
            "idempotency-key": newIdempotencyKey(),
          });
          if (answer.status !== 201)
            throw new Error(`POST /api/referrals: ${answer.status} ${JSON.stringify(answer.body)}`);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      commandsMs = performance.now() - t0;
      await board.settle();
      await board.collect(emitted);
      const a = await board.results();
      commands = a.latency;
      log(
        `  (a) ${perBurst} referrals in ${commandsMs.toFixed(0)} ms; peak RSS so far ${mb(sampler.peak())}`,
      );
      for (const g of a.groups) log(groupLine(g));

      // (b) one tick each
      for (let burst = 0; burst < TICK_BURSTS; burst++) {
        emitted = new Map();
        // Past the 10-minute unanswered-emergency threshold, then back: every item's alarms change.
        offsetMs = burst % 2 === 0 ? 11 * 60_000 : 0;
        const t = performance.now();
        service.readModels.tickAlarms();
        const ms = performance.now() - t;
        received = await board.settle();
        await board.collect(emitted);
        log(
          `  (b) burst ${burst + 1}: ${emitted.size} changes emitted in ${ms.toFixed(0)} ms; ` +
            `peak RSS so far ${mb(sampler.peak())}`,
        );
      }
      const b = await board.results();
      ticks = b.latency;
      for (const g of b.groups) log(groupLine(g));
      await sleep(2_000);
      sampler.stop();
      rssPeak = sampler.peak();
      rssAfter = process.memoryUsage.rss();
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
    // A message the size of one change as the clients received it (the service may send several in one).
    const perChange = Math.round(received.bytes / Math.max(1, received.receipts));
    const pad = "x".repeat(Math.min(64 * 1024, Math.max(0, perChange - 60)));
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
    await raw.collect(sent);
    baseline = (await raw.results()).latency;
  } finally {
    await raw.close();
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }

  log(
    `  received by the clients: ${received.messages} messages, ${received.receipts} changes, ${mb(received.bytes)} ` +
      `(≈ ${Math.round(received.bytes / Math.max(1, received.receipts))} bytes per change)`,
  );
  log(
    `  server RSS: before ${mb(rssBefore)}, peak ${mb(rssPeak)} (+${mb(rssPeak - rssBefore)}), after ${mb(rssAfter)}`,
  );
  log(`  (a) commands, change emitted → receipt: ${statsLine(commands)}`);
  log(`  (b) one tick, change emitted → receipt:  ${statsLine(ticks)}`);
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
      metric: `(a) commands receipt p50 (${clients})`,
      unit: "ms",
      value: commands.p50,
      baseline: baseline.p50,
    },
    {
      section: "boardBurst",
      metric: `(a) commands receipt p99 (${clients})`,
      unit: "ms",
      value: commands.p99,
      baseline: baseline.p99,
      target: { kind: "max", threshold: 100 },
    },
    {
      section: "boardBurst",
      metric: `(b) one-tick receipt p50 (${clients})`,
      unit: "ms",
      value: ticks.p50,
      baseline: baseline.p50,
    },
    {
      section: "boardBurst",
      metric: `(b) one-tick receipt p99 (${clients})`,
      unit: "ms",
      value: ticks.p99,
      baseline: baseline.p99,
      target: { kind: "max", threshold: 100 },
    },
  ];
  for (const r of results) printResult(r);
  return results;
};
