import { DEMO_PASSWORD } from "./auth/users.js";
import { ConfigError, loadConfig } from "./config.js";
import { startService } from "./service.js";

/** Process concerns only: configuration, start, the demo banner, graceful shutdown. */
const main = async () => {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const service = await startService(config);
  if (config.mode === "demo") {
    const lines = service.users.map(
      (u) => `  ${u.username.padEnd(14)} ${u.role.padEnd(16)} ${u.institutionId ?? ""}`,
    );
    process.stdout.write(
      [
        "",
        `Coordination service (demo) at ${service.url}`,
        `  API description: ${service.url}/docs    board feed: ${service.url.replace("http", "ws")}/ws/board`,
        `  store: ${service.store.kind} in ${config.dataDir}`,
        `Demo logins (password "${DEMO_PASSWORD}" for all):`,
        ...lines,
        "",
      ].join("\n"),
    );
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    service.app.log.info({ signal }, "shutting down");
    await service.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
};

await main();
