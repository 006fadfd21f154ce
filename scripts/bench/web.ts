/**
 * `pnpm bench:web`: the dispatcher's board page in headless Chromium with 500 open items receiving 50 updates
 * per second, for BENCH_WEB_MINUTES (default 10). Reports frame times (p50/p99) and the page's JS heap after the
 * run, against a baseline measured in the same run: the same page, same 500 items, with no updates.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DEMO_PASSWORD, loadConfig, startService } from "@mtc/coordinator";
import { chromium, type Page } from "playwright-core";
import { fmt, log, percentile } from "./common.js";

const ITEMS = Number(process.env.BENCH_WEB_ITEMS ?? 500);
const UPDATES_PER_SECOND = Number(process.env.BENCH_WEB_RATE ?? 50);
const MINUTES = Number(process.env.BENCH_WEB_MINUTES ?? 10);
const BASELINE_SECONDS = Number(process.env.BENCH_WEB_BASELINE_SECONDS ?? 30);

const login = async (url: string, username: string): Promise<string> => {
  const response = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  return ((await response.json()) as { token: string }).token;
};

let keyNo = 0;
const command = async (url: string, token: string, route: string, body: unknown) => {
  const response = await fetch(`${url}${route}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      "idempotency-key": `webbench-${++keyNo}-${Date.now()}`,
    },
    body: JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`${route}: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string };
};

/**
 * Frame intervals from requestAnimationFrame, collected inside the page. Passed as source text: tsx would
 * otherwise wrap the page function with a helper the page does not have.
 */
const frameTimes = async (page: Page, seconds: number): Promise<number[]> =>
  page.evaluate(`new Promise((resolve) => {
    const deltas = [];
    let last = performance.now();
    const end = last + ${seconds * 1000};
    const tick = (now) => {
      deltas.push(now - last);
      last = now;
      if (now < end) requestAnimationFrame(tick);
      else resolve(deltas);
    };
    requestAnimationFrame(tick);
  })`);

const heapMb = async (page: Page): Promise<number> => {
  const session = await page.context().newCDPSession(page);
  await session.send("Performance.enable");
  await session.send("HeapProfiler.collectGarbage");
  const { metrics } = await session.send("Performance.getMetrics");
  return (metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? 0) / 1024 / 1024;
};

const main = async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "mtc-webbench-"));
  const service = await startService(
    loadConfig({ MTC_MODE: "demo", PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "silent" }),
  );
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--enable-precise-memory-info",
    ],
  });
  try {
    log(
      `web bench — ${ITEMS} items, ${UPDATES_PER_SECOND} updates/s for ${MINUTES} min; baseline: ${BASELINE_SECONDS} s without updates`,
    );
    const clinic = await login(service.url, "clinic");
    const referralIds: string[] = [];
    for (let i = 0; i < ITEMS; i++) {
      const { id } = await command(service.url, clinic, "/api/referrals", {
        patientKind: i % 10 === 0 ? "neonatal" : "maternal",
        patient: { name: `测试${i}` },
        riskGrade: (["green", "yellow", "orange", "red", "purple"] as const)[i % 5],
        urgency: (["emergency", "urgent", "routine"] as const)[i % 3],
        reasons: ["压力测试"],
        clinicalSummary: "看板渲染压力测试",
        fromInstitutionId: "qc_shiqiao_thc",
        requestedBy: "测试",
        occurredAt: new Date().toISOString(),
      });
      referralIds.push(id);
    }
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    await page.goto(service.url);
    await page.getByTestId("login-username").fill("dispatcher");
    await page.getByTestId("login-password").fill(DEMO_PASSWORD);
    await page.getByTestId("login-submit").click();
    await page
      .locator('[data-testid="board-row"]')
      .nth(ITEMS - 1)
      .waitFor({ timeout: 60_000 });
    log(`  board shows ${await page.locator('[data-testid="board-row"]').count()} rows`);

    const baseline = await frameTimes(page, BASELINE_SECONDS);
    const baselineHeap = await heapMb(page);

    // 50 updates per second: escalations of open referrals (each one changes its board row).
    const centre = clinic;
    let sent = 0;
    let failed = 0;
    const stopAt = Date.now() + MINUTES * 60_000;
    const traffic = (async () => {
      const interval = 1000 / UPDATES_PER_SECOND;
      let next = Date.now();
      while (Date.now() < stopAt) {
        const id = referralIds[sent % referralIds.length] as string;
        command(service.url, centre, `/api/referrals/${id}/escalate`, {
          escalatedBy: "测试",
          difficulty: `第${sent}次上报`,
          occurredAt: new Date().toISOString(),
        }).catch(() => failed++);
        sent++;
        next += interval;
        await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
      }
    })();
    const loaded = await frameTimes(page, MINUTES * 60);
    await traffic;
    const loadedHeap = await heapMb(page);

    const row = (name: string, unsorted: number[], heap: number) => {
      const values = [...unsorted].sort((a, b) => a - b);
      log(
        `  ${name.padEnd(28)} frames=${fmt(values.length, 0)} p50=${fmt(percentile(values, 50), 1)} ms p99=${fmt(percentile(values, 99), 1)} ms ` +
          `max=${fmt(values.at(-1) ?? 0, 1)} ms; JS heap ${fmt(heap, 1)} MB`,
      );
    };
    row("baseline (no updates)", baseline, baselineHeap);
    row(`${UPDATES_PER_SECOND} updates/s, ${MINUTES} min`, loaded, loadedHeap);
    log(
      `  updates sent ${fmt(sent, 0)} (${fmt(failed, 0)} failed); heap growth ${fmt(loadedHeap - baselineHeap, 1)} MB`,
    );
  } finally {
    await browser.close();
    await service.close();
    await rm(dataDir, { recursive: true, force: true });
  }
};

await main();
