export { buildApp } from "./app.js";
export { DEMO_PASSWORD } from "./auth/users.js";
export { commandIdFor, derivedId, eventIdFor, hashRequest } from "./commands/commandBus.js";
export { type Config, DEMO_REGION_FILE, loadConfig, resolveDataDir } from "./config.js";
export { type RunningService, startService } from "./service.js";
