import { type EventStore, openSqliteEventStore, verifyLog } from "@mtc/eventstore";
import { fmt, log, tempDir } from "./common.js";
import { plannedAppends } from "./generate.js";

/**
 * `pnpm bench:verify`: how fast `verifyLog` (the operator's `mtc verify`) walks a hash-chained log.
 * VERIFY_EVENTS events (default 200,000) of realistic lifecycles, written with group commit, then verified.
 */
const total = Number(process.env.VERIFY_EVENTS ?? 200_000);
const APPENDS_PER_GROUP = 256;

const writeLog = async (store: EventStore): Promise<number> => {
  let events = 0;
  let group: Promise<unknown>[] = [];
  for (const planned of plannedAppends(total, { concurrentCases: 2_000 })) {
    group.push(store.append(planned.streamId, planned.events, planned.expectedRevision));
    events += planned.events.length;
    if (group.length >= APPENDS_PER_GROUP) {
      await Promise.all(group);
      group = [];
    }
  }
  await Promise.all(group);
  return events;
};

const main = async (): Promise<void> => {
  const dir = tempDir("verify");
  try {
    const path = dir.file("events.db");
    const store = openSqliteEventStore({ path });
    let t0 = performance.now();
    const written = await writeLog(store);
    const writeSeconds = (performance.now() - t0) / 1000;
    await store.close();
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
