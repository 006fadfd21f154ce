import type { ReferenceLookup } from "@mtc/domain";
import type { EventStore } from "@mtc/eventstore";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { ReadModels } from "../readModels.js";

export const systemRoutes: FastifyPluginAsyncZod<{
  reference: () => ReferenceLookup;
  readModels: ReadModels;
  store: EventStore;
}> = async (app, { reference, readModels, store }) => {
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
        summary: "Store in use; each read model's state, progress, lag and failed documents",
      },
    },
    async (_request, reply) => {
      const head = await store.headPosition();
      const projections = readModels.status(head);
      const failed = projections.some((p) => p.state === "failed");
      // Rebuilding is degraded but serving (commands work, those reads answer 503); a failed model is not.
      const degraded = failed || projections.some((p) => p.state === "rebuilding");
      return reply
        .status(failed ? 503 : 200)
        .send({ status: degraded ? "degraded" : "ok", store: store.kind, headPosition: head, projections });
    },
  );
};
