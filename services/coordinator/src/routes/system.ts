import type { ReferenceLookup } from "@mtc/domain";
import type { EventStore } from "@mtc/eventstore";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { IntegrityStatus } from "../integrity/integrityMonitor.js";
import type { ReadModels } from "../readModels.js";

export const systemRoutes: FastifyPluginAsyncZod<{
  reference: () => ReferenceLookup;
  readModels: ReadModels;
  store: EventStore;
  integrity?: (() => IntegrityStatus) | undefined;
}> = async (app, { reference, readModels, store, integrity }) => {
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
    { config: { public: true }, schema: { tags: ["system"], summary: "Store in use and projection lag" } },
    async (_request, reply) => {
      const head = await store.headPosition();
      const projections = readModels.status(head);
      const failed = projections.some((p) => p.state === "failed");
      const chain = integrity?.();
      // A broken chain degrades but keeps 200: a balancer must keep routing emergency commands here.
      const degraded = failed || chain?.state === "broken";
      return reply.status(failed ? 503 : 200).send({
        status: degraded ? "degraded" : "ok",
        store: store.kind,
        headPosition: head,
        projections,
        ...(chain ? { integrity: chain } : {}),
      });
    },
  );
};
