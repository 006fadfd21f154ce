import type { ReferenceLookup } from "@mtc/domain";
import { type EventStore, StoreUnavailableError } from "@mtc/eventstore";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { IntegrityStatus } from "../integrity/integrityMonitor.js";
import type { ReadModels } from "../readModels.js";
import type { StoreHealth } from "../store/storeHealth.js";

export const systemRoutes: FastifyPluginAsyncZod<{
  reference: () => ReferenceLookup;
  readModels: ReadModels;
  store: EventStore;
  storeHealth: StoreHealth;
  integrity?: (() => IntegrityStatus) | undefined;
}> = async (app, { reference, readModels, store, storeHealth, integrity }) => {
  // While the store cannot be read, lag is reported against the last head seen.
  let lastHead = -1;

  app.get(
    "/api/reference",
    {
      schema: {
        tags: ["reference"],
        summary: "Institutions, ambulances and responsibility zones of the region",
      },
    },
    async () => reference().data,
  );

  // Public so that load balancers can probe it; it tells nothing about patients.
  app.get(
    "/health",
    {
      config: { public: true },
      schema: {
        tags: ["system"],
        summary: "Store in use and its health; each read model's state, progress, lag and failed documents",
      },
    },
    async (_request, reply) => {
      const head = await store.headPosition().catch((error: unknown) => {
        if (error instanceof StoreUnavailableError) return null;
        throw error;
      });
      if (head !== null) lastHead = head;
      const projections = readModels.status(lastHead);
      const storeView = storeHealth.current();
      const chain = integrity?.();
      const unavailable = projections.some((p) => p.state === "failed") || storeView.state === "degraded";
      // Rebuilding models and a broken chain degrade but keep 200: commands still work (a balancer must keep
      // routing emergency commands here); the reads of a rebuilding model answer 503 themselves.
      const degraded =
        unavailable || chain?.state === "broken" || projections.some((p) => p.state === "rebuilding");
      if (storeView.state === "degraded") reply.header("retry-after", String(storeView.retryAfterSeconds));
      return reply.status(unavailable ? 503 : 200).send({
        status: degraded ? "degraded" : "ok",
        store: storeView,
        headPosition: head,
        projections,
        ...(chain ? { integrity: chain } : {}),
      });
    },
  );
};
