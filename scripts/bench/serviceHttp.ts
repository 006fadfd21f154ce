import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import Database from "better-sqlite3";
import {
  fmt,
  header,
  log,
  mb,
  now,
  printResult,
  type Result,
  scaled,
  sleep,
  stats,
  statsLine,
  tempDir,
} from "./common.js";
import { benchRegion, copyRegion } from "./region.js";
import { login } from "./service.js";

/**
 * The service as operators run it, measured only through HTTP so that the figures stay comparable whatever the
 * read models are made of: a child process on a generated region's data directory.
 */

const MAIN = path.resolve(import.meta.dirname, "../../services/coordinator/src/main.ts");
const WARMUP = 20;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

interface Child {
  process: ChildProcess;
  url: string;
  /** ms from spawn to the first 200 from /health. */
  startMs: number;
  stop(): Promise<void>;
  /** Peak resident set of the service process so far (Linux VmHWM), in bytes; NaN where unknown. */
  peakRss(): number;
}

const peakRssOf = (pid: number | undefined): number => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
};

/** Waits until the service's integrity walk has verified the whole log (`/health`); resolves with the wait in ms. */
const untilFullyVerified = async (url: string, token: string, timeoutMs: number): Promise<number> => {
  const t0 = now();
  for (;;) {
    const response = await fetch(`${url}/health`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { integrity?: { fullyVerified?: boolean } };
    if (body.integrity?.fullyVerified) return now() - t0;
    if (now() - t0 > timeoutMs) throw new Error("the start-up integrity walk did not end in time");
    await sleep(2_000);
  }
};

const startChild = async (dataDir: string, timeoutMs: number): Promise<Child> => {
  const port = await freePort();
  const t0 = now();
  // One process (node --import tsx), so that its memory is the service's and not a wrapper's.
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: {
      ...process.env,
      MTC_MODE: "demo",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`service exited during start with ${child.exitCode ?? child.signalCode}`);
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`service's read models were not ready within ${timeoutMs / 1000} s`);
    }
    try {
      // Listening is not enough: a model rebuilt in the background answers 503 until it is ready (ADR 7).
      const health = await fetch(`${url}/health`);
      const body = (await health.json()) as { projections?: { state: string }[] };
      if (health.status === 200 && (body.projections ?? []).every((p) => p.state === "ready")) break;
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  const startMs = now() - t0;
  return {
    process: child,
    url,
    startMs,
    peakRss: () => peakRssOf(child.pid),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
};

interface Sample {
  caseIds: string[];
  names: string[];
  institutionIds: string[];
  /** recordedAt instants of events of the sampled cases, one per case (for timeline as-of). */
  caseInstants: string[];
  first: number;
  last: number;
}

/** Cases to ask for, drawn evenly from the log (read-only, straight from the file). */
const sampleCases = (file: string, count: number): Sample => {
  const db = new Database(file, { readonly: true });
  try {
    const total = (db.prepare("SELECT max(position) AS n FROM events").get() as { n: number }).n;
    const step = Math.max(1, Math.floor(total / count));
    const rows = db
      .prepare<[number], { data: string; metadata: string; recorded_at: string }>(
        "SELECT data, metadata, recorded_at FROM events WHERE type = 'ReferralRequested' AND position % ? = 0 LIMIT 2000",
      )
      .all(step);
    const edges = db
      .prepare("SELECT min(recorded_at) AS first, max(recorded_at) AS last FROM events")
      .get() as { first: string; last: string };
    const sample: Sample = {
      caseIds: [],
      names: [],
      institutionIds: [],
      caseInstants: [],
      first: Date.parse(edges.first),
      last: Date.parse(edges.last),
    };
    for (const row of rows.slice(0, count)) {
      const data = JSON.parse(row.data) as {
        caseId: string;
        patient: { name: string };
        fromInstitutionId: string;
      };
      sample.caseIds.push(data.caseId);
      sample.names.push(data.patient.name);
      sample.institutionIds.push(data.fromInstitutionId);
      // A little after the request: the case as it stood mid-way.
      sample.caseInstants.push(new Date(Date.parse(row.recorded_at) + 30 * 60_000).toISOString());
    }
    if (sample.caseIds.length === 0) throw new Error("no referral in the generated log");
    return sample;
  } finally {
    db.close();
  }
};

/** A figure stops after this long (with at least MIN_SAMPLES): reads that cost O(log) must not stall a scale run. */
const BUDGET_MS = 90_000;
const MIN_SAMPLES = 20;

/** Sequential GETs; every answer must be 200. Latency per request in ms. */
const measure = async (n: number, token: string, urlOf: (i: number) => string): Promise<number[]> => {
  const get = async (i: number) => {
    const url = urlOf(i);
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${body.slice(0, 200)}`);
  };
  for (let i = 0; i < WARMUP; i++) await get(n + i);
  const samples: number[] = [];
  const started = now();
  for (let i = 0; i < n; i++) {
    if (i >= MIN_SAMPLES && now() - started > BUDGET_MS) break;
    const t0 = now();
    await get(i);
    samples.push(now() - t0);
  }
  return samples;
};

const statusOf = async (url: string, token: string): Promise<number> => {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
};

/**
 * Issue 8: another institution's case answers as an unknown one, with the same timing. A hospital asks for the
 * timelines of cases that exist but are not its own, and for ids of the same shape that exist nowhere, the two
 * interleaved so that both see the same machine; the p50s should not tell them apart.
 */
const notFoundTiming = async (
  baseUrl: string,
  auditorToken: string,
  caseIds: readonly string[],
  n: number,
): Promise<Result[]> => {
  const hospital = await login(baseUrl, "clinic");
  const timelineOf = (caseId: string) => `${baseUrl}/api/cases/${encodeURIComponent(caseId)}/timeline`;
  const foreign: string[] = [];
  const unknown: string[] = [];
  for (const caseId of caseIds) {
    if (foreign.length >= 100 && unknown.length >= 100) break;
    if (
      foreign.length < 100 &&
      (await statusOf(timelineOf(caseId), hospital.token)) === 404 &&
      (await statusOf(timelineOf(caseId), auditorToken)) === 200
    )
      foreign.push(caseId);
    // The same shape, one character changed: a case id nobody has.
    const twin = `${caseId.slice(0, -1)}${caseId.endsWith("Z") ? "Y" : "Z"}`;
    if (unknown.length < 100 && (await statusOf(timelineOf(twin), auditorToken)) === 404) unknown.push(twin);
  }
  if (foreign.length === 0 || unknown.length === 0) {
    log("  404 timing: no foreign or no unknown case found in the sample; skipped");
    return [];
  }
  const timed = async (caseId: string): Promise<number> => {
    const t0 = now();
    const status = await statusOf(timelineOf(caseId), hospital.token);
    if (status !== 404) throw new Error(`expected 404 for ${caseId}, got ${status}`);
    return now() - t0;
  };
  const foreignMs: number[] = [];
  const unknownMs: number[] = [];
  for (let i = 0; i < WARMUP + n; i++) {
    const f = await timed(foreign[i % foreign.length] as string);
    const u = await timed(unknown[i % unknown.length] as string);
    if (i < WARMUP) continue;
    foreignMs.push(f);
    unknownMs.push(u);
  }
  const f = stats(foreignMs);
  const u = stats(unknownMs);
  log(`  404 for another institution's case: ${statsLine(f)}`);
  log(`  404 for an unknown case:           ${statsLine(u)}`);
  return (["p50", "p99"] as const).map((percentile) => {
    const result: Result = {
      section: "service",
      metric: `case 404, foreign vs unknown ${percentile}`,
      unit: "ms",
      value: f[percentile],
      baseline: u[percentile],
      note: `a hospital's timeline request for another institution's case (value) and for an unknown id (baseline), interleaved; ${foreign.length} + ${unknown.length} ids`,
    };
    printResult(result);
    return result;
  });
};

const filesSize = (dir: string, pick: (name: string) => boolean): number =>
  readdirSync(dir)
    .filter(pick)
    .reduce((sum, name) => sum + statSync(path.join(dir, name)).size, 0);

export const runServiceHttp = async (): Promise<Result[]> => {
  header("5. service over HTTP — a generated region served by a child process: cold start, reads, memory");
  const total = scaled(1_000_000, 2_000);
  const n = scaled(1_000, 200);
  const results: Result[] = [];
  const region = tempDir("http-region");
  const empty = tempDir("http-empty");
  const children: Child[] = [];
  try {
    const t0 = now();
    const regionLog = await benchRegion(total);
    copyRegion(regionLog, region.file("events.db"));
    const { generated } = regionLog;
    log(
      `  ${generated ? `generated ${fmt(generated.events)} events, ${fmt(generated.cases)} cases (${generated.from?.slice(0, 10)} … ${generated.to?.slice(0, 10)})` : `reused ${fmt(total)} events from ${regionLog.file}`} ` +
        `and copied in ${((now() - t0) / 1000).toFixed(1)} s; ${n} requests per figure (+${WARMUP} warm-up), sequential, keep-alive`,
    );

    // First start builds the read models from the log; the measured start finds them on disk.
    const building = await startChild(region.dir, 6 * 3_600_000);
    children.push(building);
    log(
      `  first start (read models built from the log, until all are ready): ${(building.startMs / 1000).toFixed(1)} s`,
    );
    await building.stop();
    const baseline = await startChild(empty.dir, 120_000);
    children.push(baseline);
    const baselineRss = baseline.peakRss();
    await baseline.stop();
    const service = await startChild(region.dir, 6 * 3_600_000);
    children.push(service);
    const cold: Result = {
      section: "service",
      metric: "cold start with existing read models",
      unit: "ms",
      value: service.startMs,
      baseline: baseline.startMs,
      target: { kind: "max", threshold: 5_000 },
      note: "spawn → /health 200 with every read model ready; baseline: the same on an empty data directory",
    };
    printResult(cold);
    results.push(cold);

    const sample = sampleCases(region.file("events.db"), 500);
    const auditor = await login(service.url, "auditor");
    const dispatcher = await login(service.url, "dispatcher");
    const pick = <T>(items: readonly T[], i: number): T => items[(i * 7919) % items.length] as T;
    /**
     * The read figures, first while the start-up integrity walk runs (at 10,000,000 events it takes about ten
     * minutes at INTEGRITY_WALK_SHARE 0.5, and a full walk comes back every INTEGRITY_FULL_VERIFY_SECONDS), then
     * once it is done: the service's worst minutes and its usual ones.
     */
    const readFigures = async (phase: string, suffix: string): Promise<void> => {
      const health = stats(await measure(n, auditor.token, () => `${service.url}/health`));
      log(`  ${phase}: GET /health (baseline of every read): ${statsLine(health)}`);

      const figure = async (
        metric: string,
        token: string,
        urlOf: (i: number) => string,
        threshold: number,
        percentile: "p50" | "p99" = "p99",
      ) => {
        const s = stats(await measure(n, token, urlOf));
        log(`  ${metric}${suffix}: ${statsLine(s)}`);
        const result: Result = {
          section: "service",
          metric: `${metric}${suffix}`,
          unit: "ms",
          value: s[percentile],
          baseline: health[percentile],
          target: { kind: "max", threshold },
          note: `baseline: GET /health ${percentile}`,
        };
        printResult(result);
        results.push(result);
        return s;
      };

      const timelineUrl = (i: number) =>
        `${service.url}/api/cases/${encodeURIComponent(pick(sample.caseIds, i))}/timeline`;
      const timeline = stats(await measure(n, auditor.token, timelineUrl));
      log(`  case timeline${suffix}: ${statsLine(timeline)}`);
      for (const [percentile, threshold] of [
        ["p50", 5],
        ["p99", 5],
      ] as const) {
        const result: Result = {
          section: "service",
          metric: `case timeline ${percentile}${suffix}`,
          unit: "ms",
          value: timeline[percentile],
          baseline: health[percentile],
          ...(percentile === "p99" ? { target: { kind: "max" as const, threshold } } : {}),
          note: `baseline: GET /health ${percentile}`,
        };
        printResult(result);
        results.push(result);
      }
      await figure(
        "timeline as-of p99",
        auditor.token,
        (i) => `${timelineUrl(i)}?asOf=${encodeURIComponent(pick(sample.caseInstants, i))}`,
        10,
      );
      const span = sample.last - sample.first;
      await figure(
        "board as-of p99",
        dispatcher.token,
        (i) =>
          `${service.url}/api/board?asOf=${new Date(sample.first + ((i * 0.618034) % 1) * span).toISOString()}`,
        50,
      );
      for (const [metric, parameter, values] of [
        ["case search by id p99", "caseId", sample.caseIds],
        ["case search by name p99", "name", sample.names],
        ["case search by institution p99", "institutionId", sample.institutionIds],
      ] as const)
        await figure(
          metric,
          auditor.token,
          (i) => `${service.url}/api/cases?${parameter}=${encodeURIComponent(pick(values, i))}`,
          20,
        );
    };
    await readFigures("during the start-up walk", "");
    const walkWait = await untilFullyVerified(service.url, auditor.token, 6 * 3_600_000);
    log(`  the start-up walk ended ${(walkWait / 1000).toFixed(0)} s after the first figures`);
    await readFigures("after the start-up walk", " (after the walk)");

    results.push(...(await notFoundTiming(service.url, auditor.token, sample.caseIds, n)));

    const rss: Result = {
      section: "service",
      metric: "service peak RSS",
      unit: "MB",
      value: service.peakRss() / 1024 / 1024,
      baseline: baselineRss / 1024 / 1024,
      target: { kind: "max", threshold: 1024 },
      note: `VmHWM of the service process after start and all reads; baseline: the service on an empty data directory`,
    };
    await service.stop();
    printResult(rss);
    results.push(rss);

    const logBytes = filesSize(region.dir, (name) => name.startsWith("events.db"));
    const modelBytes = filesSize(region.dir, (name) => !name.startsWith("events.db"));
    const perEvent: Result = {
      section: "service",
      metric: "read-model bytes per event",
      unit: "B",
      value: modelBytes / total,
      baseline: logBytes / total,
      note: `data-dir files other than the event log (${mb(modelBytes)}) per event; baseline: the event log's bytes per event (${mb(logBytes)})`,
    };
    printResult(perEvent);
    results.push(perEvent);
    return results;
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    region.cleanup();
    empty.cleanup();
  }
};
