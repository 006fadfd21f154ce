import type { Clock } from "@mtc/domain";
import { buildCaseExport, type ChainedEvent, type EventStore } from "@mtc/eventstore";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { type AccessLog, readBy } from "../access/accessLog.js";
import { identityMaskedRoles } from "../auth/roles.js";
import { forbidden } from "../errors.js";
import type { IntegrityMonitor } from "../integrity/integrityMonitor.js";
import type { ReadModels } from "../readModels.js";
import { authoriseCase } from "./queries.js";

const Id = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

/** The signed head for outside auditors, and the signed case export they can check offline (ADR 0006). */
export const integrityRoutes: FastifyPluginAsyncZod<{
  store: EventStore;
  readModels: ReadModels;
  integrity: IntegrityMonitor;
  clock: Clock;
  accessLog: AccessLog;
}> = async (app, { store, readModels, integrity, clock, accessLog }) => {
  // Public like /health: a position, a hash and a signature tell nothing about patients.
  app.get(
    "/api/integrity/head",
    {
      config: { public: true },
      schema: {
        tags: ["system"],
        summary: "The latest signed head of the event log and the service's public key",
      },
    },
    async () => {
      const { state, checked, lastPosition } = integrity.status();
      return {
        head: integrity.latestHead(),
        publicKey: integrity.publicKey,
        verification: { state, checked, lastPosition },
      };
    },
  );

  app.get(
    "/api/cases/:id/export",
    {
      schema: {
        tags: ["cases"],
        summary:
          "The case's events with their hash-chain proofs, the latest signed head and the public key, signed; the read is recorded",
        params: Id,
      },
    },
    async (request) => {
      const { principal } = request;
      const caseId = request.params.id;
      // Hashes cover the unmasked data: roles that see identities masked cannot be given a verifiable export.
      if (identityMaskedRoles.has(principal.role))
        throw forbidden("your role sees identities masked; no export");
      await authoriseCase(readModels, principal, caseId);
      await accessLog.recordRead(principal, readBy(request, "case_export", [caseId]));
      const timeline = await readModels.timeline(caseId);
      const streams: { streamId: string; events: ChainedEvent[] }[] = [];
      for (const streamId of new Set(timeline.entries.map((entry) => entry.streamId))) {
        const events: ChainedEvent[] = [];
        for await (const event of store.readStreamChain(streamId)) events.push(event);
        streams.push({ streamId, events });
      }
      return buildCaseExport(
        {
          caseId,
          exportedAt: clock().toISOString(),
          exportedBy: {
            userId: principal.userId,
            role: principal.role,
            institutionId: principal.institutionId,
          },
          streams,
          signedHead: integrity.latestHead(),
        },
        integrity.privateKey,
      );
    },
  );
};
