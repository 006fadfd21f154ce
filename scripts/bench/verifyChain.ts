import { readFileSync } from "node:fs";
import { DEMO_REGION_FILE } from "@mtc/coordinator";
import { ReferenceData, referenceLookup } from "@mtc/domain";
import { verifyLog } from "@mtc/eventstore";
import { writeRegion } from "../mtc/synthetic/region.js";
import { fmt, log, tempDir } from "./common.js";

/**
 * `pnpm bench:verify`: how fast `verifyLog` (the operator's `mtc verify`) walks a hash-chained log.
 * VERIFY_EVENTS events (default 200,000) of a synthetic region (`pnpm mtc generate`), then verified.
 */
const total = Number(process.env.VERIFY_EVENTS ?? 200_000);
const reference = referenceLookup(ReferenceData.parse(JSON.parse(readFileSync(DEMO_REGION_FILE, "utf8"))));

const main = async (): Promise<void> => {
  const dir = tempDir("verify");
  try {
    const path = dir.file("events.db");
    let t0 = performance.now();
    const written = (await writeRegion({ path, events: total, seed: 42, reference, until: new Date() }))
      .events;
    const writeSeconds = (performance.now() - t0) / 1000;
    log(
      `wrote ${fmt(written)} events in ${writeSeconds.toFixed(1)} s (${fmt(written / writeSeconds)} ev/s, chained)`,
    );
    const heapBefore = process.memoryUsage().heapUsed;
    let peakHeap = heapBefore;
    t0 = performance.now();
    const result = await verifyLog({
      path,
      onProgress: () => {
        peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    log(
      `verifyLog: ok=${result.ok}, ${fmt(result.checked)} events in ${seconds.toFixed(1)} s = ` +
        `${fmt(result.checked / seconds)} ev/s; heap growth during the walk ≤ ${fmt((peakHeap - heapBefore) / 1024 / 1024)} MB`,
    );
    if (!result.ok) process.exitCode = 1;
  } finally {
    dir.cleanup();
  }
};

await main();
