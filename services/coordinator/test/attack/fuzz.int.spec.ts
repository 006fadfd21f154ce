import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AttackFixture, startAttackFixture } from "./fixtures.js";
import { formatReport, runFuzzer } from "./fuzzer.js";

/**
 * Issue 8 "Standing suites": the seeded fuzzer over every route of the OpenAPI document. Quick form here
 * (20,000 requests); `pnpm test:soak` runs 200,000. FUZZ_SEED and FUZZ_REQUESTS reproduce or widen a run.
 */
const seed = Number(process.env.FUZZ_SEED ?? 20261124);
const requests = Number(process.env.FUZZ_REQUESTS ?? 20_000);
const concurrency = Number(process.env.FUZZ_CONCURRENCY ?? 16);

describe(`fuzzer over every route (seed ${seed}, ${requests} requests)`, () => {
  let fixture: AttackFixture;
  beforeAll(async () => {
    fixture = await startAttackFixture();
  });
  afterAll(async () => fixture?.stop());

  it(
    "no 5xx, no unexplained event, no hostile text in the log, the service and every projection alive",
    async () => {
      const report = await runFuzzer(fixture, { seed, requests, concurrency });
      expect(report.sent).toBe(requests);
      expect(
        report.failures.map((f) => f.key),
        formatReport(report, fixture),
      ).toEqual([]);
    },
    // About 4 ms a request on two shared cores, with room to spare.
    Math.max(120_000, requests * 10),
  );
});
