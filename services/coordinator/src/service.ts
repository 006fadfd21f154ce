import { randomBytes } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { type Clock, ReferenceData, referenceLookup, systemClock } from "@mtc/domain";
import { type EventStore, openEventStore } from "@mtc/eventstore";
import {
  ACCESS_CATEGORY,
  allModels,
  categoriesOf,
  createReadModelRunner,
  readModelFile,
} from "@mtc/projections";
import { type DestinationStream, type Logger, pino } from "pino";
import { accessLog as createAccessLog, seesIdentities } from "./access/accessLog.js";
import { type App, buildApp } from "./app.js";
import { arrivals as createArrivals, showsIdentity } from "./arrivals.js";
import { maskIdentities } from "./auth/masking.js";
import { concerns } from "./auth/policy.js";
import type { User } from "./auth/roles.js";
import { demoUsers, loadUsersFile, userDirectory } from "./auth/users.js";
import { type Config, mdtTargetsFor } from "./config.js";
import { attachBoardFeed } from "./feed/boardFeed.js";
import { startIntegrity } from "./integrity/integrityMonitor.js";
import { readModels as createReadModels, type ReadModels } from "./readModels.js";
import { watchStoreHealth } from "./store/storeHealth.js";

export interface RunningService {
  app: App;
  url: string;
  store: EventStore;
  readModels: ReadModels;
  users: readonly User[];
  close(): Promise<void>;
}

/** Personal data never reaches the log: these paths are censored wherever they appear. */
const REDACT = [
  "req.headers.authorization",
  'req.headers["sec-websocket-protocol"]',
  "*.patient",
  "*.password",
  "*.idCardNumber",
  "*.phone",
];

export const createLogger = (config: Pick<Config, "logLevel">, destination?: DestinationStream): Logger =>
  pino({ level: config.logLevel, redact: { paths: REDACT, censor: "[redacted]" } }, destination);

/** Events a serving instance applies per catch-up transaction (an offline `pnpm mtc rebuild` takes more). */
const SERVING_PAGE_SIZE = 500;

/** Wires the store, the read models, the HTTP app and the board feed, and starts listening. */
export const startService = async (
  config: Config,
  options: {
    clock?: Clock;
    logger?: Logger;
    /** A store opened by the caller, for tests that must hold its connection (the store-failure suite). */
    store?: EventStore;
    /** Awaited before each catch-up page of the read models (tests hold a rebuild open with it). */
    readModelPace?: (models: readonly string[]) => Promise<void>;
  } = {},
): Promise<RunningService> => {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config);
  await mkdir(config.dataDir, { recursive: true });

  const region = ReferenceData.parse(JSON.parse(await readFile(config.regionFile, "utf8")));
  const reference = referenceLookup(region);
  const users =
    config.mode === "demo" ? await demoUsers(region) : await loadUsersFile(config.usersFile as string);
  // Demo mode only: a fresh secret per start (tokens do not outlive a restart). Production requires one.
  const tokenSecret = config.tokenSecret ?? randomBytes(32).toString("hex");

  // A store opened by the caller is for tests that must hold the connection (the store-failure suite).
  const storeHealth = watchStoreHealth(
    options.store ?? (await openEventStore(config.store, clock, { backgroundCheckpoints: true })),
    {
      clock,
      ...config.storeProbe,
      log: logger.child({ component: "store-health" }),
    },
  );
  const store = storeHealth.store;
  const runnerLog = logger.child({ component: "read-models" });
  // ADR 7: the read models live in this instance's own file; a model that must be rebuilt is rebuilt in the
  // background while the service already listens (its reads answer 503 until then).
  const runner = createReadModelRunner({
    store,
    path: readModelFile(config.dataDir, config.instanceId),
    models: allModels(config.boardCheckpoints),
    categories: categoriesOf(allModels()),
    log: ({ level, msg, ...rest }) => runnerLog[level](rest, msg),
    owner: true,
    // The WAL is checkpointed off the event loop (50–70 ms a time otherwise, inside a commit).
    backgroundCheckpoints: true,
    // A model rebuilt in the background shares the event loop with requests: one page is one synchronous
    // transaction, so pages stay small enough (≈ 40 ms) that a request never waits long behind one.
    pageSize: SERVING_PAGE_SIZE,
    // The feeds: the board, the pre-arrival alerts, and the models whose status the board shows beside each
    // item (a case's blood and MDT status, issue 9): their changes re-send the case's items.
    emitting: ["board", "arrivals", "blood", "mdt"],
    // Access records alone are indexed together, at most ACCESS_INDEX_DELAY_MS late: one at a time, each read
    // rewrote every index page its cases touch (≈ 400 KB of WAL for a 50-case search) and held up the next.
    deferredCategories: [ACCESS_CATEGORY],
    deferMs: config.accessIndexDelayMs,
    ...(options.readModelPace ? { pace: options.readModelPace } : {}),
  });
  await runner.start();

  const readModels = createReadModels({
    store,
    runner,
    clock,
    thresholds: config.alarms,
    lateEntryMinutes: config.lateEntryMinutes,
    bloodTargets: config.bloodTargets,
  });
  const arrivals = createArrivals({
    runner,
    clock,
    unacknowledgedMinutes: config.alarms.preArrivalUnacknowledgedMinutes,
    bloodStationOf: (institutionId) => reference.bloodStationOf(institutionId)?.id,
  });
  const accessLog = createAccessLog({ store, clock, repeatMinutes: config.accessRecordRepeatMinutes });
  const integrity = await startIntegrity(config, store, clock, logger.child({ component: "integrity" }));
  const app = await buildApp({
    logger,
    store,
    clock,
    reference: () => reference,
    users: userDirectory(users),
    tokenSecret,
    readModels,
    accessLog,
    storeHealth,
    integrity,
    arrivals,
    mdtTargets: (institutionId) => mdtTargetsFor(config, institutionId),
  });
  await app.listen({ host: config.host, port: config.port });
  const feed = attachBoardFeed({
    server: app.server,
    path: "/ws/board",
    source: readModels.boardSource,
    idOf: (item) => item.id,
    visibleTo: (principal, item) =>
      concerns(principal, readModels.partiesOfBoardItem(item)) ? maskIdentities(principal, item) : null,
    viewKey: (principal) => `${principal.role}:${principal.institutionId ?? ""}`,
    authenticate: (token) => {
      const principal = app.tokens.verify(token);
      // Checked against the wall clock, as the token verifier itself does (not the injectable domain clock).
      const exp = app.jwt.decode<{ exp?: unknown }>(token)?.exp;
      return { principal, expiresAt: typeof exp === "number" ? exp * 1000 : undefined };
    },
    // The snapshot carries identities to roles that see them: recorded before the connection opens (issue 8 §6).
    beforeOpen: async (principal, request, items) => {
      if (!seesIdentities(principal)) return;
      const caseIds = items.map((item) => item.caseId);
      if (caseIds.length === 0) return;
      await accessLog.recordRead(principal, {
        kind: "board_feed",
        caseIds,
        route: "WS /ws/board",
        from: request.socket.remoteAddress ?? "",
      });
    },
    // Every change carries the item as this role sees it: new identities are recorded before they go out.
    beforeDeliver: (principal, from, items) => {
      if (!seesIdentities(principal)) return undefined;
      return accessLog.recordDelivery(principal, {
        kind: "board_feed",
        caseIds: items.map((item) => item.caseId),
        route: "WS /ws/board",
        from,
      });
    },
    maxBufferedBytes: config.wsMaxBufferedBytes,
    maxConnectionsPerUser: config.wsMaxConnectionsPerUser,
    maxConnections: config.wsMaxConnections,
    stallMs: config.wsStallSeconds * 1000,
    log: logger.child({ component: "board-feed" }),
  });
  // The hospital-scoped feed of pre-arrival alerts (issue 9 §1): the board feed's protocol, limits, token expiry
  // and snapshot access record, over the arrivals read model; each user sees what GET /api/arrivals shows them.
  const arrivalsFeed = attachBoardFeed({
    server: app.server,
    path: "/ws/arrivals",
    source: arrivals.source,
    idOf: (item) => item.id,
    visibleTo: arrivals.visibleTo,
    viewKey: (principal) => `${principal.role}:${principal.institutionId ?? ""}`,
    authenticate: (token) => {
      const principal = app.tokens.verify(token);
      const exp = app.jwt.decode<{ exp?: unknown }>(token)?.exp;
      return { principal, expiresAt: typeof exp === "number" ? exp * 1000 : undefined };
    },
    beforeOpen: async (principal, request, items) => {
      const caseIds = items.filter((item) => showsIdentity(principal, item)).map((item) => item.caseId);
      if (caseIds.length === 0) return;
      await accessLog.recordRead(principal, {
        kind: "arrivals_feed",
        caseIds,
        route: "WS /ws/arrivals",
        from: request.socket.remoteAddress ?? "",
      });
    },
    beforeDeliver: (principal, from, items) => {
      const caseIds = items.filter((item) => showsIdentity(principal, item)).map((item) => item.caseId);
      if (caseIds.length === 0) return undefined;
      return accessLog.recordDelivery(principal, {
        kind: "arrivals_feed",
        caseIds,
        route: "WS /ws/arrivals",
        from,
      });
    },
    maxBufferedBytes: config.wsMaxBufferedBytes,
    maxConnectionsPerUser: config.wsMaxConnectionsPerUser,
    maxConnections: config.wsMaxConnections,
    stallMs: config.wsStallSeconds * 1000,
    log: logger.child({ component: "arrivals-feed" }),
  });
  const alarmTicker = setInterval(() => {
    readModels.tickAlarms();
    arrivals.tickAlarms();
  }, config.alarmTickSeconds * 1000);
  alarmTicker.unref();
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host}:${port}`;

  return {
    app,
    url,
    store,
    readModels,
    users,
    close: async () => {
      clearInterval(alarmTicker);
      storeHealth.stop();
      await feed.close();
      await arrivalsFeed.close();
      await app.close();
      await runner.close();
      await integrity.close();
      await store.close();
    },
  };
};
