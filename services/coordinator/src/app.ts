import { randomUUID } from "node:crypto";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { Clock, ReferenceLookup } from "@mtc/domain";
import type { EventStore } from "@mtc/eventstore";
import { defaultMdtTargets, type MdtTargets } from "@mtc/projections";
import Fastify, { type FastifyBaseLogger } from "fastify";
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import type { AccessLog } from "./access/accessLog.js";
import type { Arrivals } from "./arrivals.js";
import { authPlugin } from "./auth/authPlugin.js";
import type { UserDirectory } from "./auth/users.js";
import { commandBus } from "./commands/commandBus.js";
import { registerErrorHandler } from "./errors.js";
import { transferWithUnits } from "./fleet/unitCommands.js";
import type { IntegrityMonitor } from "./integrity/integrityMonitor.js";
import type { ReadModels } from "./readModels.js";
import { arrivalRoutes } from "./routes/arrivals.js";
import { auditRoutes } from "./routes/audit.js";
import { authRoutes } from "./routes/auth.js";
import { bloodRoutes } from "./routes/blood.js";
import { commandRoutes } from "./routes/commandRoutes.js";
import { fleetRoutes } from "./routes/fleet.js";
import { integrityRoutes } from "./routes/integrity.js";
import { mdtRoutesPlugin } from "./routes/mdt.js";
import { queryRoutes } from "./routes/queries.js";
import { systemRoutes } from "./routes/system.js";
import { registerWebPages } from "./routes/webPages.js";
import type { StoreHealth } from "./store/storeHealth.js";

export interface AppDeps {
  logger: FastifyBaseLogger;
  store: EventStore;
  clock: Clock;
  reference: () => ReferenceLookup;
  users: UserDirectory;
  tokenSecret: string;
  readModels: ReadModels;
  /** Every read of patient data is recorded here before it is answered (issue 8 finding 6). */
  accessLog: AccessLog;
  storeHealth: StoreHealth;
  /** The hash-chain monitor (ADR 0006); absent, /health says nothing about the chain and there is no export. */
  integrity?: IntegrityMonitor | undefined;
  /** Pre-arrival alerts (issue 9 §1). */
  arrivals: Arrivals;
  /** MDT time targets of a hospital (config `MDT_TARGET_*`); the defaults when absent. */
  mdtTargets?: ((institutionId: string) => MdtTargets) | undefined;
}

/** Largest command body accepted; a clinical summary fits many times over. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Builds the HTTP application; process concerns (listen, signals) stay in main.ts. */
export const buildApp = async (deps: AppDeps) => {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: () => randomUUID(),
    requestIdHeader: "x-request-id",
    // Prototype-poisoning keys (`__proto__`, `constructor.prototype`) are refused with a 400.
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);

  // The API description and the static pages answer without a token; every /api route needs one.
  app.addHook("onRoute", (route) => {
    const isPage = !route.url.startsWith("/api") && !route.url.startsWith("/health");
    if (isPage) route.config = { ...(route.config as object), public: true };
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: "Maternal referral and emergency-transfer coordination",
        description:
          "Commands carry an Idempotency-Key; every route but login, health and docs needs a bearer token.",
        version: "0.1.0",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: "/docs", uiConfig: { docExpansion: "list" } });

  await app.register(authPlugin, { secret: deps.tokenSecret, users: deps.users });
  const bus = commandBus({
    store: deps.store,
    reference: deps.reference,
    clock: deps.clock,
    awaitProjections: deps.readModels.awaitPosition,
  });
  await app.register(authRoutes, { users: deps.users });
  await app.register(commandRoutes, {
    bus,
    reference: deps.reference,
    caseInstitutions: deps.readModels.caseInstitutions,
    executeTransfer: transferWithUnits(bus, { reference: deps.reference, clock: deps.clock }),
  });
  await app.register(bloodRoutes, {
    bus,
    reference: deps.reference,
    readModels: deps.readModels,
    clock: deps.clock,
  });
  await app.register(queryRoutes, { readModels: deps.readModels, accessLog: deps.accessLog });
  await app.register(arrivalRoutes, {
    bus,
    reference: deps.reference,
    caseInstitutions: deps.readModels.caseInstitutions,
    arrivals: deps.arrivals,
    accessLog: deps.accessLog,
  });
  await app.register(mdtRoutesPlugin, {
    bus,
    reference: deps.reference,
    caseInstitutions: deps.readModels.caseInstitutions,
    readModels: deps.readModels,
    accessLog: deps.accessLog,
    clock: deps.clock,
    targetsFor: deps.mdtTargets ?? (() => defaultMdtTargets),
  });
  await app.register(auditRoutes, { accessLog: deps.accessLog });
  await app.register(fleetRoutes, {
    bus,
    store: deps.store,
    reference: deps.reference,
    readModels: deps.readModels,
  });
  await app.register(systemRoutes, {
    reference: deps.reference,
    readModels: deps.readModels,
    store: deps.store,
    storeHealth: deps.storeHealth,
    integrity: deps.integrity?.status,
  });
  if (deps.integrity) {
    await app.register(integrityRoutes, {
      store: deps.store,
      readModels: deps.readModels,
      integrity: deps.integrity,
      clock: deps.clock,
      accessLog: deps.accessLog,
    });
  }
  await registerWebPages(app);
  return app;
};

export type App = Awaited<ReturnType<typeof buildApp>>;
