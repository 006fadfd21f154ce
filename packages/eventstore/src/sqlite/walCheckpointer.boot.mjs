// Worker threads do not inherit the TypeScript loader of the thread that starts them (tsx, vitest): register it.
import { register } from "tsx/esm/api";

register();
await import("./walCheckpointerWorker.ts");
