import { type ChildProcess, fork } from "node:child_process";
import type { AddressInfo } from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { constants, inflateRawSync } from "node:zlib";
import { type WebSocket, WebSocketServer } from "ws";
import type { FromBurstClients, Group, GroupResult, ToBurstClients } from "./boardBurstClients.js";
import type { CommandBurst } from "./boardBurstCommands.js";
import {
  fmt,
  header,
  log,
  mb,
  memLine,
  printResult,
  type Result,
  type Stats,
  scaledDown,
  sleep,
  statsLine,
} from "./common.js";
import { login, startBenchService } from "./service.js";
import { type Histogram, latencyHistogram, OFFER_DEFLATE, scan } from "./sockets.js";

const CLIENTS = 1_000;
const TICK_BURSTS = 2;
const CONCURRENCY = 64;
const CONNECT_BATCH = 100;
const CLIENT_PROCESSES = 4;
const SAME_LOAD =
  "baseline: a bare ws server sending as many messages of the same size to as many clients of the same processes, at the same pace";

/** Sends the commands from a child process (see boardBurstCommands.ts); resolves with how long they took. */
const sendCommands = (burst: CommandBurst) =>
  new Promise<number>((resolve, reject) => {
    const child = fork(fileURLToPath(new URL("./boardBurstCommands.ts", import.meta.url)), [], {
      execArgv: process.execArgv,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.once("message", (answer: { ms?: number; error?: string }) =>
      answer.ms === undefined ? reject(new Error(`commands: ${answer.error}`)) : resolve(answer.ms),
    );
    child.once("exit", (code) => reject(new Error(`the command process exited with ${code}`)));
    child.send(burst);
  });

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

/**
 * The clients spread over several processes, as real clients sit on many machines: one process receiving
 * gigabytes would measure itself rather than the server.
 */
const startClientPool = (processes: number) => {
  const pool = Array.from({ length: processes }, startClients);
  const each = <T>(f: (c: ReturnType<typeof startClients>) => Promise<T>) => Promise.all(pool.map(f));
  return {
    connect: async (groups: Group[]) => {
      const t0 = performance.now();
      const counts = await each((c) => {
        const i = pool.indexOf(c);
        const share = (n: number) => Math.floor(n / processes) + (i < n % processes ? 1 : 0);
        return c.connect(groups.map((g) => ({ ...g, count: share(g.count) })));
      });
      return { count: counts.reduce((n, c) => n + c.count, 0), ms: performance.now() - t0 };
    },
    settle: async () => {
      const all = await each((c) => c.settle());
      return {
        messages: all.reduce((n, a) => n + a.messages, 0),
        bytes: all.reduce((n, a) => n + a.bytes, 0),
        wireBytes: all.reduce((n, a) => n + a.wireBytes, 0),
        receipts: all.reduce((n, a) => n + a.receipts, 0),
      };
    },
    collect: (emitted: Map<string, number>) => each((c) => c.collect(emitted)),
    results: async () => {
      const all = await each((c) => c.results());
      const groups = new Map<string, GroupResult>();
      for (const g of all.flatMap((a) => a.groups)) {
        const known = groups.get(g.label);
        if (!known) groups.set(g.label, { ...g, closes: { ...g.closes } });
        else {
          known.clients += g.clients;
          known.items = Math.max(known.items, g.items);
          known.missing += g.missing;
          for (const [code, n] of Object.entries(g.closes))
            known.closes[code] = (known.closes[code] ?? 0) + n;
        }
      }
      return { latency: statsOf(all.map((a) => a.latency)), groups: [...groups.values()] };
    },
    close: () => each((c) => c.close()),
  };
};

/** Percentiles from merged histograms (0.1 ms resolution). */
const statsOf = (histograms: Histogram[]): Stats => {
  const merged = new Map<number, number>();
  for (const h of histograms) for (const [b, n] of h.buckets) merged.set(b, (merged.get(b) ?? 0) + n);
  const sorted = [...merged].sort((x, y) => x[0] - y[0]);
  const count = histograms.reduce((n, h) => n + h.count, 0);
  const at = (p: number): number => {
    const rank = Math.ceil((p / 100) * count);
    let seen = 0;
    for (const [bucket, n] of sorted) {
      seen += n;
      if (seen >= rank) return bucket / 10;
    }
    return Number.NaN;
  };
  return {
    count,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    max: Math.max(...histograms.map((h) => h.max)),
    mean: histograms.reduce((n, h) => n + h.sum, 0) / Math.max(1, count),
  };
};

/** ws's frame writer, which every message of a ws server ends in (its `Sender` has no published types). */
interface FrameSender {
  sendFrame(this: unknown, list: Buffer[], cb?: unknown): void;
}
/** RFC 7692 §7.2.2: the tail a sender leaves off a compressed message, put back to inflate it. */
const DEFLATE_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const RSV1 = 0x40;

/**
 * When the server handed each change to each client's socket, against its emission: ws's frame writer is
 * wrapped while the bursts run (the service runs in this process), so compressed frames, which the feed writes
 * itself, are counted as well as plain ones. A receipt's latency is this plus the kernel and the co-located
 * client processes. Each shared message is scanned once (inflated first when compressed); a send only notes its
 * time, and `take` works out the latencies, so that the recording does not slow down the thread it measures
 * (recording every change of every send at once was about 5 % of the service thread's busy time in a profile
 * of the bursts).
 */
const sendRecorder = async (emittedAt: (itemId: string) => number | undefined) => {
  const { Sender } = (await import("ws")) as unknown as { Sender: { prototype: FrameSender } };
  const original = Sender.prototype.sendFrame;
  const emittedOf = new WeakMap<Buffer, number[]>();
  let sends: { at: number; emitted: number[] }[] = [];
  Sender.prototype.sendFrame = function (this: unknown, list: Buffer[], cb?: unknown) {
    const [header, payload] = list;
    if (header && payload) {
      const at = epochNow();
      let emitted = emittedOf.get(payload);
      if (!emitted) {
        const compressed = ((header[0] ?? 0) & RSV1) !== 0;
        const plain = compressed
          ? inflateRawSync(Buffer.concat([payload, DEFLATE_TAIL]), { finishFlush: constants.Z_SYNC_FLUSH })
          : payload;
        emitted = scan(plain).itemIds.flatMap((id) => emittedAt(id) ?? []);
        emittedOf.set(payload, emitted);
      }
      if (emitted.length > 0) sends.push({ at, emitted });
    }
    original.call(this, list, cb);
  };
  return {
    /** The latencies of the sends since the last call. */
    take: (): Histogram => {
      const latencies = latencyHistogram();
      for (const { at, emitted } of sends) for (const e of emitted) latencies.record(at - e);
      sends = [];
      return latencies.take();
    },
    stop: () => {
      Sender.prototype.sendFrame = original;
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

/** The clients' counters, cumulative since they connected (see boardBurstClients.ts `settle`). */
type Received = { messages: number; bytes: number; wireBytes: number; receipts: number };

/** What a phase put on the wire, per receiving client: how many messages, of what size, over how long. */
interface PhaseLoad {
  /** Clients that received the phase's changes (a view that sees none of them is left out). */
  clients: number;
  messagesPerClient: number;
  bytesPerMessage: number;
  changesPerMessage: number;
  /** Over how long the messages went out: 0 when all at once (one tick). */
  durationMs: number;
}

/** Clients of the views that received anything in a phase. */
const receivingClients = (groups: readonly GroupResult[]): number =>
  groups.filter((g) => g.items > 0).reduce((n, g) => n + g.clients, 0);

const loadOf = (
  before: Received,
  after: Received,
  clients: number,
  durationMs: number,
  phases = 1,
): PhaseLoad => {
  const messages = (after.messages - before.messages) / Math.max(1, clients * phases);
  return {
    clients,
    messagesPerClient: Math.max(1, Math.round(messages)),
    bytesPerMessage: (after.bytes - before.bytes) / Math.max(1, after.messages - before.messages),
    changesPerMessage: Math.max(
      1,
      Math.round((after.receipts - before.receipts) / Math.max(1, after.messages - before.messages)),
    ),
    durationMs,
  };
};

const loadLine = (load: PhaseLoad): string =>
  `${load.messagesPerClient} messages to each of ${load.clients} clients, ${fmt(load.bytesPerMessage, 0)} bytes and ` +
  `${load.changesPerMessage} changes each, ${load.durationMs > 0 ? `over ${(load.durationMs / 1000).toFixed(1)} s` : "all at once"}`;

/**
 * The baseline at the same load: a bare ws server sends what the service sent in a phase (as many messages per
 * client, of the same size and number of changes, spread over the same time or all at once) to as many clients
 * of the same client processes, from Buffers built beforehand. No command, projection or view runs: its receipt
 * latency is what this machine, its kernel and the co-located clients allow for those bytes.
 */
const replayLoad = async (
  sockets: ReadonlySet<WebSocket>,
  load: PhaseLoad,
  label: string,
  sent: Map<string, number>,
): Promise<void> => {
  const wrapper = 40;
  const perChange = Math.max(0, Math.round(load.bytesPerMessage / load.changesPerMessage) - wrapper);
  const pad = "x".repeat(perChange);
  const messages = Array.from({ length: load.messagesPerClient }, (_, i) => {
    const changes = Array.from({ length: load.changesPerMessage }, (_, j) => ({
      position: i,
      itemId: `${label}-${i}-${j}`,
      item: { pad },
    }));
    return {
      ids: changes.map((c) => c.itemId),
      data: Buffer.from(JSON.stringify({ type: "changes", changes })),
    };
  });
  const interval = load.durationMs / load.messagesPerClient;
  const t0 = performance.now();
  for (const [i, message] of messages.entries()) {
    const wait = t0 + i * interval - performance.now();
    if (load.durationMs > 0 && wait > 0) await sleep(wait);
    const at = epochNow();
    for (const id of message.ids) sent.set(id, at);
    for (const socket of sockets) socket.send(message.data, { binary: false });
  }
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
  const perBurst = scaledDown(2_000, 100);
  const clients = scaledDown(CLIENTS, 50);
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
  let commandsSent: Stats;
  let ticksSent: Stats;
  const sends = await sendRecorder((itemId) => emitted.get(itemId));
  let commandsMs = 0;
  let loopDelayP99 = 0;
  let rssBefore = 0;
  let rssPeak = 0;
  let rssAfter = 0;
  let received: Received = { messages: 0, bytes: 0, wireBytes: 0, receipts: 0 };
  let loadA: PhaseLoad;
  let loadB: PhaseLoad;
  try {
    const users = ["dispatcher", "clinic", "centre", "county", "auditor"] as const;
    const shares = [0.4, 0.2, 0.2, 0.1, 0.1];
    const tokens = await Promise.all(users.map((u) => login(service.url, u)));
    const clinic = tokens[1] as { token: string; institutionId: string | undefined };
    const wsUrl = `${service.url.replace(/^http/, "ws")}/ws/board`;
    const groups: Group[] = users.map((label, i) => ({
      label,
      url: wsUrl,
      protocols: ["mtc.board.v2", `bearer.${tokens[i]?.token}`],
      count: Math.round(clients * (shares[i] as number)),
    }));
    // Warm-up before any client connects: a burst of referrals made and cancelled, so that the page caches
    // (bounded by configuration: 64 MiB for the read models) and the heap have grown to what a running service
    // holds. The growth measured below is then what the clients and the bursts cost, not a first fill.
    const warmUpRss = process.memoryUsage.rss();
    const warmUpMs = await sendCommands({
      url: service.url,
      token: clinic.token,
      institutionId: clinic.institutionId,
      count: perBurst,
      concurrency: CONCURRENCY,
      cancel: true,
    });
    log(
      `  warm-up: ${perBurst} referrals made and cancelled in ${warmUpMs.toFixed(0)} ms, no clients; RSS ` +
        `${mb(warmUpRss)} → ${mb(process.memoryUsage.rss())}`,
    );
    emitted = new Map();
    const board = startClientPool(CLIENT_PROCESSES);
    try {
      const connected = await board.connect(groups);
      log(
        `  ${connected.count} board clients connected and got their snapshot in ${connected.ms.toFixed(0)} ms`,
      );
      const beforeA = await board.settle();
      rssBefore = process.memoryUsage.rss();
      log(`  before the bursts: ${memLine()}`);
      const sampler = rssSampler();
      sends.take();

      // (a) through the command API, from a process of its own
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      commandsMs = await sendCommands({
        url: service.url,
        token: clinic.token,
        institutionId: clinic.institutionId,
        count: perBurst,
        concurrency: CONCURRENCY,
      });
      loop.disable();
      loopDelayP99 = loop.percentile(99) / 1e6;
      const afterA = await board.settle();
      await board.collect(emitted);
      const a = await board.results();
      loadA = loadOf(beforeA, afterA, receivingClients(a.groups), commandsMs);
      commands = a.latency;
      commandsSent = statsOf([sends.take()]);
      log(
        `  (a) ${perBurst} referrals in ${commandsMs.toFixed(0)} ms; service event-loop delay p99 ` +
          `${loopDelayP99.toFixed(0)} ms; peak RSS so far ${mb(sampler.peak())}; now ${memLine()}`,
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
      loadB = loadOf(afterA, received, receivingClients(b.groups), 0, TICK_BURSTS);
      ticksSent = statsOf([sends.take()]);
      for (const g of b.groups) log(groupLine(g));
      await sleep(2_000);
      sampler.stop();
      rssPeak = sampler.peak();
      rssAfter = process.memoryUsage.rss();
    } finally {
      await board.close();
    }
  } finally {
    sends.stop();
    unsubscribe();
    await stop();
  }

  // --- baseline: the same load from a bare ws server to as many clients ---
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  wss.on("connection", (socket) =>
    socket.send(JSON.stringify({ type: "snapshot", position: -1, items: [] })),
  );
  const raw = startClientPool(CLIENT_PROCESSES);
  let baselineA: Stats;
  let baselineB: Stats;
  let baselineRss = 0;
  try {
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
    const connectAs = async (load: PhaseLoad) => {
      await raw.connect([{ label: "raw", url, protocols: [], count: load.clients }]);
      return new Set(wss.clients);
    };
    const before = process.memoryUsage.rss();
    const sampler = rssSampler();
    let sent = new Map<string, number>();
    const socketsA = await connectAs(loadA);
    await replayLoad(socketsA, loadA, "a", sent);
    await raw.settle();
    await raw.collect(sent);
    baselineA = (await raw.results()).latency;
    // The ticks reach fewer clients only if a view saw none of their changes: the others stay idle.
    const socketsB = new Set([...socketsA].slice(0, loadB.clients));
    for (let burst = 0; burst < TICK_BURSTS; burst++) {
      sent = new Map();
      await replayLoad(socketsB, loadB, `b${burst}`, sent);
      await raw.settle();
      await raw.collect(sent);
    }
    baselineB = (await raw.results()).latency;
    sampler.stop();
    baselineRss = sampler.peak() - before;
  } finally {
    await raw.close();
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  }

  log(
    `  received by the clients: ${received.messages} messages, ${received.receipts} changes, ${mb(received.bytes)} ` +
      `(≈ ${Math.round(received.bytes / Math.max(1, received.receipts))} bytes per change); ${mb(received.wireBytes)} on ` +
      `the wire, snapshots included (${OFFER_DEFLATE ? "clients offer permessage-deflate" : "plain; BENCH_WS_DEFLATE=1: compressed"})`,
  );
  log(
    `  server RSS: before ${mb(rssBefore)}, peak ${mb(rssPeak)} (+${mb(rssPeak - rssBefore)}), after ${mb(rssAfter)}`,
  );
  log(`  (a) commands, change emitted → receipt: ${statsLine(commands)}`);
  log(`      of which the server, emitted → handed to the socket: ${statsLine(commandsSent)}`);
  log(`  (b) one tick, change emitted → receipt:  ${statsLine(ticks)}`);
  log(`      of which the server, emitted → handed to the socket: ${statsLine(ticksSent)}`);
  // The bare server sends plain: with BENCH_WS_DEFLATE=1 its bytes are what the clients received once inflated.
  if (OFFER_DEFLATE) log("  baseline: plain messages of the size the clients received once inflated");
  log(`  baseline (a), a bare ws server sending ${loadLine(loadA)}: ${statsLine(baselineA)}`);
  log(
    `  baseline (b), a bare ws server sending, ${TICK_BURSTS} times, ${loadLine(loadB)}: ${statsLine(baselineB)}`,
  );
  log(`  baseline server RSS: +${mb(baselineRss)}`);
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
      baseline: baselineA.p50,
    },
    {
      section: "boardBurst",
      metric: `(a) commands receipt p99 (${clients})`,
      unit: "ms",
      value: commands.p99,
      baseline: baselineA.p99,
      target: { kind: "max", threshold: 100 },
      note: SAME_LOAD,
    },
    {
      section: "boardBurst",
      metric: `(a) commands handed to the socket p99 (${clients})`,
      unit: "ms",
      value: commandsSent.p99,
      baseline: baselineA.p99,
      note: "the server's part of the receipt: emitted → ws send; the rest is the kernel and the clients",
    },
    {
      section: "boardBurst",
      metric: `(b) one-tick receipt p50 (${clients})`,
      unit: "ms",
      value: ticks.p50,
      baseline: baselineB.p50,
    },
    {
      section: "boardBurst",
      metric: `(b) one-tick receipt p99 (${clients})`,
      unit: "ms",
      value: ticks.p99,
      baseline: baselineB.p99,
      target: { kind: "max", threshold: 100 },
      note: SAME_LOAD,
    },
  ];
  for (const r of results) printResult(r);
  return results;
};
