import {
  type Decider,
  type DecisionContext,
  type DomainEvent,
  Id,
  preArrivalCommandSchemas,
  type TransferCommand,
  transferDecider,
  transferStreamId,
} from "@mtc/domain";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { type AccessLog, readBy } from "../access/accessLog.js";
import type { Arrivals } from "../arrivals.js";
import { showsIdentity } from "../arrivals.js";
import { authoriseTransferCommand } from "../auth/policy.js";
import { notFound } from "../errors.js";
import { type CommandRouteOptions, type Route, registerAggregate } from "./commandRoutes.js";

type PreArrivalCommand = Extract<TransferCommand, { type: keyof typeof preArrivalCommandSchemas }>;

const routes: Route<PreArrivalCommand["type"]>[] = [
  {
    command: "UpdateArrivalEta",
    path: "/:id/eta",
    summary: "Update the expected arrival of a departed transfer (pre-arrival alert, issue 9 §1)",
  },
  {
    command: "AcknowledgePreArrivalAlert",
    path: "/:id/pre-arrival-acknowledgement",
    summary: "The destination acknowledges the pre-arrival alert, by name and time (R-TRF-7)",
  },
];

export interface ArrivalRouteOptions extends CommandRouteOptions {
  arrivals: Arrivals;
  accessLog: AccessLog;
}

/**
 * The pre-arrival alert (issue 9 §1): its two commands on the transfer stream, and the incoming list that the
 * hospital inbox, medical affairs and the blood station read (who sees what: `seesArrival`). Identities go only
 * to the receiving institution's roles, and each such answer is recorded in the access log first.
 */
export const arrivalRoutes: FastifyPluginAsyncZod<ArrivalRouteOptions> = async (app, options) => {
  const { arrivals, accessLog } = options;
  registerAggregate<PreArrivalCommand>(app, options, {
    collection: "transfers",
    tag: "arrivals",
    idPrefix: "T",
    routes,
    schemas: preArrivalCommandSchemas,
    decider: transferDecider as unknown as Decider<PreArrivalCommand, DomainEvent, unknown, DecisionContext>,
    streamId: transferStreamId,
    command: (type, transferId, data) => ({ type, transferId, data }) as PreArrivalCommand,
    authorise: authoriseTransferCommand,
  });

  app.get(
    "/api/arrivals",
    {
      schema: {
        tags: ["arrivals"],
        summary:
          "Pre-arrival alerts this user sees: the hospital's incoming list, its medical affairs' (orange or above, or asks), the blood station's (blood asked)",
      },
    },
    async (request) => {
      const { principal } = request;
      const answer = arrivals.list(principal);
      const identified = answer.items.filter((a) => showsIdentity(principal, a)).map((a) => a.caseId);
      if (identified.length > 0)
        await accessLog.recordRead(principal, readBy(request, "arrivals", identified));
      return answer;
    },
  );

  app.get(
    "/api/arrivals/:id",
    {
      schema: {
        tags: ["arrivals"],
        summary: "One pre-arrival alert by its transfer id (404 when unknown or not this user's to see)",
        params: z.object({ id: Id }),
      },
    },
    async (request) => {
      const { principal } = request;
      const arrival = arrivals.one(principal, request.params.id);
      if (!arrival) throw notFound(`pre-arrival alert of transfer ${request.params.id}`);
      if (showsIdentity(principal, arrival))
        await accessLog.recordRead(principal, readBy(request, "arrivals", [arrival.caseId]));
      return arrival;
    },
  );
};
