import { Worker } from "node:worker_threads";

/**
 * Starts `entry` (a TypeScript module URL) in a worker thread through `workerBoot.mjs`, with `init` as its
 * `workerData`; unref'd, so that it never keeps a stopping process alive.
 */
export function startWorker(entry: URL, init: object): Worker {
  const worker = new Worker(new URL("./workerBoot.mjs", import.meta.url), {
    workerData: { ...init, entry: entry.href },
  });
  worker.unref();
  return worker;
}
