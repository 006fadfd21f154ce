import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AttackFixture, startAttackFixture } from "./fixtures.js";
import { type Failure, type FuzzReport, formatReport, runFuzzer } from "./fuzzer.js";

/**
 * Issue 8 "Standing suites": the seeded fuzzer over every route of the OpenAPI document. Quick form here
 * (20,000 requests); `pnpm test:soak` runs 200,000. FUZZ_SEED and FUZZ_REQUESTS reproduce or widen a run.
 * Each test is one pass criterion; all print the seed and the smallest request of every failure class.
 */
const seed = Number(process.env.FUZZ_SEED ?? 20261124);
const requests = Number(process.env.FUZZ_REQUESTS ?? 20_000);
const concurrency = Number(process.env.FUZZ_CONCURRENCY ?? 16);

describe(`fuzzer over every route (seed ${seed}, ${requests} requests)`, () => {
  let fixture: AttackFixture;
  let report: FuzzReport;
  beforeAll(
    async () => {
      fixture = await startAttackFixture();
      report = await runFuzzer(fixture, { seed, requests, concurrency });
      // One line for the record (status counts, events, failure classes), whether the run passes or not.
      console.info(formatReport(report).split("\n")[0]);
    },
    // About 1 ms a request here; ten times that leaves room for a loaded machine.
    Math.max(120_000, requests * 10),
  );
  afterAll(async () => fixture?.stop());

  const of = (...kinds: Failure["kind"][]) =>
    report.failures.filter((f) => kinds.includes(f.kind)).map((f) => `${f.kind}: ${f.key}`);

  it("sends every request it generated, over every route", () => {
    expect(report.sent).toBe(requests);
    expect(report.routes.size).toBeGreaterThanOrEqual(25);
  });

  it("no 5xx and no broken connection on any input (issue 8 findings 2, 3)", () => {
    expect(of("5xx", "transport"), formatReport(report)).toEqual([]);
  });

  it("every event written is accounted for by a 2xx answer the fuzzer received", () => {
    expect(of("unexplained-event"), formatReport(report)).toEqual([]);
  });

  it("after a restart a retry gets the first answer and a reused key on another request is refused (ADR 2)", () => {
    expect(of("replay-differs"), formatReport(report)).toEqual([]);
  });

  it("no hostile text, impossible date or invalid ID-card number in the log (issue 8 finding 4)", () => {
    expect(of("hostile-stored", "invalid-stored"), formatReport(report)).toEqual([]);
  });

  it("the service is alive at the end and every projection is live (issue 8 finding 2)", () => {
    expect(of("not-alive"), formatReport(report)).toEqual([]);
  });
});
