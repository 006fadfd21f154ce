export { buildApp } from "./app.js";
export { DEMO_PASSWORD } from "./auth/users.js";
export { type Config, loadConfig } from "./config.js";
export { type RunningService, startService } from "./service.js";
