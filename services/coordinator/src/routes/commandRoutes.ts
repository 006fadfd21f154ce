import {
  type Decider,
  type DecisionContext,
  type DomainEvent,
  Id,
  type ReferenceLookup,
  type ReferralCommand,
  referralCommandSchemas,
  referralDecider,
  referralStreamId,
  type TransferCommand,
  transferCommandSchemas,
  transferDecider,
  transferStreamId,
} from "@mtc/domain";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { authoriseReferralCommand, authoriseTransferCommand, concerns, partiesOf } from "../auth/policy.js";
import { institutionBoundRoles, type Principal } from "../auth/roles.js";
import { caseIdFor } from "../commands/caseIds.js";
import {
  type AggregateCommand,
  type CommandAnswer,
  type CommandContext,
  type commandBus,
  commandIdFor,
  derivedId,
  hashRequest,
} from "../commands/commandBus.js";
import { conflict, notFound } from "../errors.js";

/** Every command route takes an idempotency key: a retry with the same key returns the first answer. */
export const IdempotencyHeaders = z.object({
  "idempotency-key": z.string().regex(/^[A-Za-z0-9_.:-]{8,128}$/, {
    message: "send an Idempotency-Key of 8-128 letters, digits or _.:-",
  }),
});

const Answer = z.object({
  id: z.string(),
  /** The case of the record; for a creation, the case it opened (an id the service created) or continued. */
  caseId: z.string(),
  streamId: z.string(),
  revision: z.number(),
  position: z.number(),
  events: z.array(z.string()),
});

export interface Route<Name extends string> {
  command: Name;
  /** Path below the collection; empty for the creation route. */
  path: string;
  summary: string;
}

export type Bus = ReturnType<typeof commandBus>;

const referralRoutes: Route<ReferralCommand["type"]>[] = [
  {
    command: "RequestReferral",
    path: "",
    summary: "Raise a referral (转诊申请); destination defaults to the zone's rescue centre",
  },
  {
    command: "RegisterOffProtocolArrival",
    path: "/off-protocol-arrivals",
    summary: "Register a woman who arrived without referral (001 (五))",
  },
  { command: "AcceptReferral", path: "/:id/accept", summary: "Accept a referral with expected arrival" },
  {
    command: "DeclineReferral",
    path: "/:id/decline",
    summary: "Decline with reason; orange/red/purple must redirect or escalate (000 §十(七))",
  },
  { command: "RedirectReferral", path: "/:id/redirect", summary: "Redirect to another capable institution" },
  {
    command: "EscalateReferral",
    path: "/:id/escalate",
    summary: "Report a difficulty to the health administration (000 §十(六))",
  },
  {
    command: "RecordReception",
    path: "/:id/reception",
    summary: "Record reception and the handover person (000 §十八(二))",
  },
  { command: "CancelReferral", path: "/:id/cancel", summary: "Cancel a referral" },
  { command: "CompleteReferral", path: "/:id/complete", summary: "Complete a referral with its outcome" },
];

const transferRoutes: Route<TransferCommand["type"]>[] = [
  { command: "RequestTransfer", path: "", summary: "Request an emergency transfer (转运, 000 §十二)" },
  {
    command: "DispatchUnit",
    path: "/:id/dispatch",
    summary: "Dispatch an ambulance (type must fit or an override reason is given)",
  },
  {
    command: "RecordUnitArrivedAtOrigin",
    path: "/:id/unit-arrived",
    summary: "The unit reached the transferring institution",
  },
  {
    command: "RecordDeparture",
    path: "/:id/departure",
    summary: "Departure: time, condition, escorts, record (000 §十二(十))",
  },
  {
    command: "RecordEnRouteCare",
    path: "/:id/en-route-care",
    summary: "En-route observation or treatment (途中救治)",
  },
  {
    command: "RecordRemoteGuidance",
    path: "/:id/remote-guidance",
    summary: "Remote guidance to the escort (000 §十二(七))",
  },
  { command: "RecordArrival", path: "/:id/arrival", summary: "Arrival at the receiving institution" },
  {
    command: "CompleteHandover",
    path: "/:id/handover",
    summary: "Condition handover with both names (病情移交)",
  },
  { command: "DivertTransfer", path: "/:id/divert", summary: "Divert to another destination with a reason" },
  { command: "CancelTransfer", path: "/:id/cancel", summary: "Cancel before departure" },
];

const Params = z.object({ id: Id });

const caseIdOf = (history: readonly DomainEvent[], decided: readonly DomainEvent[]): string => {
  for (const event of [...history, ...decided]) {
    if ("caseId" in event.data) return event.data.caseId;
  }
  throw new Error("a record without a case id");
};

const context = (
  principal: Principal,
  idempotencyKey: string,
  command: string,
  target: string,
  body: unknown,
) => ({
  principal,
  idempotencyKey,
  requestHash: hashRequest([command, target, body]),
});

/** The institutions party to a case (sender, receiver, former receivers); undefined when the case is unknown. */
export type CaseInstitutions = (caseId: string) => Promise<ReadonlySet<string> | undefined>;

export interface CommandRouteOptions {
  bus: Bus;
  reference: () => ReferenceLookup;
  caseInstitutions: CaseInstitutions;
  /** Runs transfer commands; the fleet's moves the ambulance with them (ADR 0009). Default: the bus alone. */
  executeTransfer?: (
    aggregate: AggregateCommand<TransferCommand, DomainEvent, unknown>,
    ctx: CommandContext,
  ) => Promise<CommandAnswer>;
}

export interface AggregateRoutes<C extends { type: string }> {
  collection: string;
  tag: string;
  idPrefix: string;
  routes: Route<C["type"]>[];
  schemas: Record<C["type"], z.ZodType>;
  decider: Decider<C, DomainEvent, unknown, DecisionContext>;
  streamId(id: string): string;
  command(type: C["type"], id: string, data: unknown): C;
  authorise(history: readonly DomainEvent[], principal: Principal, command: C): void;
  execute?: (
    aggregate: AggregateCommand<C, DomainEvent, unknown>,
    ctx: CommandContext,
  ) => Promise<CommandAnswer>;
  /** Creations only: checks that need the log (a linked record of another aggregate), after the case is settled. */
  checkLinks?(command: C): Promise<void>;
}

export const registerAggregate = <C extends { type: string; data: { occurredAt: string } }>(
  app: Parameters<FastifyPluginAsyncZod>[0],
  { bus, reference, caseInstitutions }: CommandRouteOptions,
  spec: AggregateRoutes<C>,
) => {
  /**
   * The case a creation belongs to (issue 8 finding 1). Without a case id the service opens a new case; with one,
   * only an institution already party to that case may continue it (region-wide roles: any existing case).
   * Anyone else gets the very 404 of an unknown case, so case ids cannot be probed or joined.
   */
  const settleCaseId = async (
    ctx: CommandContext,
    body: { caseId?: string | undefined; referralId?: string | undefined; occurredAt: string },
    openedBy: string | undefined,
  ): Promise<string> => {
    const { principal } = ctx;
    if (body.referralId !== undefined) {
      // A transfer that carries out a referral belongs to the referral's case, and only a party to that referral
      // may name it: read from the log, so the check holds also while the read models rebuild.
      const parties = partiesOf(await bus.recordOf(referralStreamId(body.referralId)));
      if (parties === undefined || !concerns(principal, parties))
        throw notFound(`referral ${body.referralId}`);
      if (body.caseId !== undefined && body.caseId !== parties.caseId)
        throw conflict(`referral ${body.referralId} belongs to another case than ${body.caseId}`, {
          code: "referral_of_another_case",
        });
      return parties.caseId;
    }
    if (body.caseId === undefined) {
      const commandId = commandIdFor(principal, ctx.idempotencyKey);
      return bus.openCase(
        ctx,
        (attempt) => caseIdFor(reference().data.region, commandId, body.occurredAt, attempt),
        { institutionId: openedBy, occurredAt: body.occurredAt },
      );
    }
    const parties = await caseInstitutions(body.caseId);
    const party =
      parties !== undefined &&
      (!institutionBoundRoles.has(principal.role) || parties.has(principal.institutionId ?? ""));
    if (!party) throw notFound(`case ${body.caseId}`);
    return body.caseId;
  };

  for (const route of spec.routes) {
    const creates = !route.path.includes(":id");
    app.post(
      `/api/${spec.collection}${route.path}`,
      {
        schema: {
          tags: [spec.tag],
          summary: route.summary,
          operationId: route.command,
          headers: IdempotencyHeaders,
          ...(creates ? {} : { params: Params }),
          body: spec.schemas[route.command as C["type"]],
          response: { [creates ? 201 : 200]: Answer },
        },
      },
      async (request, reply) => {
        const { principal } = request;
        const key = request.headers["idempotency-key"];
        const commandId = commandIdFor(principal, key);
        const body = request.body as {
          caseId?: string | undefined;
          referralId?: string | undefined;
          occurredAt: string;
        };
        const id = creates ? derivedId(commandId, spec.idPrefix) : (request.params as { id: string }).id;
        const ctx = context(principal, key, route.command, id, request.body);
        // Who may create is settled before a case is opened: a refused request (403/404) writes nothing.
        if (creates) spec.authorise([], principal, spec.command(route.command, id, body));
        const settledCaseId = creates ? await settleCaseId(ctx, body, principal.institutionId) : undefined;
        const command = spec.command(
          route.command,
          id,
          settledCaseId === undefined ? body : { ...body, caseId: settledCaseId },
        );
        if (creates) await spec.checkLinks?.(command);
        const aggregate: AggregateCommand<C, DomainEvent, unknown> = {
          streamId: spec.streamId(id),
          command,
          commandType: route.command,
          decider: spec.decider,
          creates,
          authorise: spec.authorise,
          caseIdOf: (history, decided) => settledCaseId ?? caseIdOf(history, decided),
          occurredAt: command.data.occurredAt,
        };
        // The hash covers what the client sent: a retry without a case id is the same request.
        const answer: CommandAnswer = await (spec.execute ?? bus.execute)(aggregate, ctx);
        return reply.status(creates ? 201 : 200).send({ id, ...answer });
      },
    );
  }
};

export const commandRoutes: FastifyPluginAsyncZod<CommandRouteOptions> = async (app, options) => {
  registerAggregate<ReferralCommand>(app, options, {
    collection: "referrals",
    tag: "referrals",
    idPrefix: "R",
    routes: referralRoutes,
    schemas: referralCommandSchemas,
    decider: referralDecider as unknown as Decider<ReferralCommand, DomainEvent, unknown, DecisionContext>,
    streamId: referralStreamId,
    command: (type, referralId, data) => ({ type, referralId, data }) as ReferralCommand,
    authorise: authoriseReferralCommand,
  });
  registerAggregate<TransferCommand>(app, options, {
    collection: "transfers",
    tag: "transfers",
    idPrefix: "T",
    routes: transferRoutes,
    schemas: transferCommandSchemas,
    decider: transferDecider as unknown as Decider<TransferCommand, DomainEvent, unknown, DecisionContext>,
    streamId: transferStreamId,
    command: (type, transferId, data) => ({ type, transferId, data }) as TransferCommand,
    authorise: authoriseTransferCommand,
    ...(options.executeTransfer ? { execute: options.executeTransfer } : {}),
  });
};
