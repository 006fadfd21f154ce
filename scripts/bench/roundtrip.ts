import Fastify from "fastify";
import { fmt, header, log, now, printResult, type Result, scaled, stats, statsLine } from "./common.js";
import { login, newIdempotencyKey, postJson, referralBody, startBenchService } from "./service.js";

const WARMUP = 30;

/** Sequential requests, each answered before the next; latency per request in ms. */
const measure = async (n: number, send: () => Promise<void>): Promise<number[]> => {
  for (let i = 0; i < WARMUP; i++) await send();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    await send();
    samples.push(now() - t0);
  }
  return samples;
};

export const runRoundtrip = async (): Promise<Result[]> => {
  header("3. command round-trip — POST /api/referrals on the real service vs a bare fastify echo");
  const n = scaled(2_000, 100);
  log(`  sizes: ${n} sequential requests each (+${WARMUP} warm-up), keep-alive fetch`);

  // --- the service ---
  const { service, stop } = await startBenchService();
  let serviceSamples: number[];
  let bodyBytes = 0;
  try {
    const clinic = await login(service.url, "clinic");
    const url = `${service.url}/api/referrals`;
    serviceSamples = await measure(n, async () => {
      const body = referralBody(clinic.institutionId);
      bodyBytes = JSON.stringify(body).length;
      const answer = await postJson(url, body, {
        authorization: `Bearer ${clinic.token}`,
        "idempotency-key": newIdempotencyKey(),
      });
      if (answer.status !== 201)
        throw new Error(`POST /api/referrals: ${answer.status} ${JSON.stringify(answer.body)}`);
    });
  } finally {
    await stop();
  }

  // --- baseline: bare fastify echo ---
  const echo = Fastify({ logger: false });
  echo.post("/echo", async (request) => request.body);
  await echo.listen({ host: "127.0.0.1", port: 0 });
  let echoSamples: number[];
  try {
    const address = echo.server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const url = `http://127.0.0.1:${port}/echo`;
    echoSamples = await measure(n, async () => {
      const answer = await postJson(url, referralBody("clinic_x"), {
        authorization: "Bearer x",
        "idempotency-key": newIdempotencyKey(),
      });
      if (answer.status !== 200) throw new Error(`echo: ${answer.status}`);
    });
  } finally {
    await echo.close();
  }

  const s = stats(serviceSamples);
  const b = stats(echoSamples);
  log(`  request body ≈ ${bodyBytes} bytes`);
  log(`  service POST /api/referrals: ${statsLine(s)}`);
  log(`  baseline fastify echo:      ${statsLine(b)}`);
  log(`  throughput (sequential): service ${fmt(1000 / s.mean)} req/s, echo ${fmt(1000 / b.mean)} req/s`);
  // Latency: lower is better, so the ratio shown is value/baseline (how many times the bare round-trip).
  const results: Result[] = [
    { section: "roundtrip", metric: "command p50 latency", unit: "ms", value: s.p50, baseline: b.p50 },
    { section: "roundtrip", metric: "command p99 latency", unit: "ms", value: s.p99, baseline: b.p99 },
  ];
  for (const r of results) printResult(r);
  return results;
};
