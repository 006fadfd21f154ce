import { Instant } from "@mtc/domain";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { maskIdentities } from "../auth/masking.js";
import { concerns } from "../auth/policy.js";
import { institutionBoundRoles } from "../auth/roles.js";
import { forbidden, notFound } from "../errors.js";
import type { ReadModels } from "../readModels.js";

const AsOf = z.object({ asOf: Instant.optional() });
const Id = z.object({ id: z.string().regex(/^[A-Za-z0-9_]{1,64}$/) });

/**
 * Read routes. Hospitals see only what concerns their institution; dispatchers see identities masked; every read
 * of a case timeline is itself recorded (who, when, which case).
 */
export const queryRoutes: FastifyPluginAsyncZod<{ readModels: ReadModels }> = async (app, { readModels }) => {
  app.get(
    "/api/board",
    {
      schema: {
        tags: ["board"],
        summary: "The live transfer board; with asOf, the board as it stood at that instant",
        querystring: AsOf,
      },
    },
    async (request) => {
      const { principal } = request;
      const asOf = request.query.asOf ? new Date(request.query.asOf) : undefined;
      const board = asOf ? await readModels.boardAsOf(asOf) : readModels.board();
      const items = board.items.filter((item) => concerns(principal, readModels.partiesOfBoardItem(item)));
      return maskIdentities(principal, { asOf: board.asOf, position: board.position, items });
    },
  );

  app.get(
    "/api/cases/:id/timeline",
    {
      schema: {
        tags: ["cases"],
        summary:
          "Every event of a case in order, with occurredAt and recordedAt; with asOf, as it stood then",
        params: Id,
        querystring: AsOf,
      },
    },
    async (request) => {
      const { principal } = request;
      const caseId = request.params.id;
      const parties = await readModels.partiesOfCase(caseId);
      if (parties.length === 0) throw notFound(`case ${caseId}`);
      if (!parties.some((p) => concerns(principal, p)))
        throw forbidden("this case does not concern your institution");
      const asOf = request.query.asOf ? new Date(request.query.asOf) : undefined;
      await readModels.recordTimelineRead(principal, caseId, asOf);
      return maskIdentities(principal, await readModels.timeline(caseId, asOf));
    },
  );

  app.get(
    "/api/cases/:id/timeline-reads",
    {
      schema: {
        tags: ["cases"],
        summary: "Who read this case's timeline and when (auditors, admin)",
        params: Id,
      },
    },
    async (request) => {
      const { role } = request.principal;
      if (role !== "auditor" && role !== "admin")
        throw forbidden("only auditors and admins see the access log");
      return { caseId: request.params.id, reads: await readModels.timelineReads(request.params.id) };
    },
  );

  app.get(
    "/api/transfers/:id/record",
    {
      schema: {
        tags: ["transfers"],
        summary: "The transfer record and its completeness against 000 §十二(十)",
        params: Id,
      },
    },
    async (request) => {
      const record = await readModels.transferRecord(request.params.id);
      if (!record) throw notFound(`transfer ${request.params.id}`);
      if (!concerns(request.principal, record.parties))
        throw forbidden("this transfer does not concern your institution");
      return maskIdentities(request.principal, record.view);
    },
  );

  app.get(
    "/api/transfers",
    {
      schema: {
        tags: ["transfers"],
        summary: "Transfer record completeness of every transfer you may see",
        querystring: z.object({ incompleteOnly: z.enum(["true", "false"]).optional() }),
      },
    },
    async (request) => {
      const { principal } = request;
      const institutionId = institutionBoundRoles.has(principal.role) ? principal.institutionId : undefined;
      return {
        transfers: readModels.transferRecords({
          institutionId,
          incompleteOnly: request.query.incompleteOnly === "true",
        }),
      };
    },
  );
};
