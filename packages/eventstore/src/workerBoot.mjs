// The entry of every worker thread in this package: worker threads do not inherit the TypeScript loader of the
// thread that starts them (tsx, vitest), so it is registered here before the worker's own module is imported.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
await import(workerData.entry);
