import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { openChainReader } from "../sqlite/chainReader.js";
import {
  inProcessWalker,
  restInProportion,
  type WalkReply,
  type WalkRequest,
  type WorkerWalkerInit,
} from "./walker.js";

/** The worker side of `workerWalker`: one request at a time, in order, on a read-only connection. */
// The lowest priority for this thread only (Linux keeps a nice value per thread): on a machine with few cores
// the walk takes what the service's own threads leave, and a request never waits for a core behind it.
try {
  setPriority(19);
} catch {
  // Not permitted here (or not per thread): the walk runs at the service's priority.
}
const init = workerData as WorkerWalkerInit;
const reader = openChainReader(init.path);
const share = Math.min(1, Math.max(0.01, init.share ?? 1));
// The walk takes `share` of a core at most (the port's listener keeps this thread alive while it rests).
const walker = inProcessWalker(reader, share < 1 ? { pace: restInProportion(share) } : {}, init.trustedKey);
const port = parentPort;
if (!port) throw new Error("walkerWorker runs only as a worker thread");

const run = (request: WalkRequest): Promise<unknown> => {
  switch (request.op) {
    case "tail":
      return walker.tail(request.after);
    case "advance":
      return walker.advance();
    case "again":
      return walker.again();
    case "checkHead":
      return walker.checkHead(request.head);
  }
};

let queue: Promise<void> = Promise.resolve();
port.on("message", (request: WalkRequest) => {
  queue = queue.then(async () => {
    let reply: WalkReply;
    try {
      reply = { id: request.id, ok: true, value: await run(request) };
    } catch (error) {
      reply = { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
  });
});
