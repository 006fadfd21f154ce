export { buildApp } from "./app.js";
export { loadConfig, type Config } from "./config.js";
export { startService, type RunningService } from "./service.js";
export { DEMO_PASSWORD } from "./auth/users.js";
