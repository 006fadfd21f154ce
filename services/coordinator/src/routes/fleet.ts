import {
  fold,
  Id,
  RecordUnitDisinfected,
  type ReferenceLookup,
  ReturnUnitToService,
  rankUnits,
  TakeUnitOutOfService,
  type TransferEvent,
  transferDecider,
  transferStreamId,
  type UnitCommand,
  UnitStatus,
  unitStreamId,
} from "@mtc/domain";
import type { EventStore } from "@mtc/eventstore";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { type Principal, regionWideRoles } from "../auth/roles.js";
import { type commandBus, hashRequest } from "../commands/commandBus.js";
import { forbidden, notFound } from "../errors.js";
import { unitAggregate } from "../fleet/unitCommands.js";
import type { ReadModels } from "../readModels.js";
import { IdempotencyHeaders } from "./commandRoutes.js";

const Params = z.object({ id: Id });
const HistoryPage = z.strictObject({
  /** Revision cursor from the previous page's `next`. */
  fromRevision: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const Answer = z.object({
  id: z.string(),
  caseId: z.string(),
  streamId: z.string(),
  revision: z.number(),
  position: z.number(),
  events: z.array(z.string()),
});

const Unit = z.object({
  ambulanceId: z.string(),
  callSign: z.string(),
  type: z.string(),
  baseInstitutionId: z.string(),
  status: UnitStatus,
  since: z.string().nullable(),
  transferId: z.string().nullable(),
});

const Option = Unit.extend({
  fits: z.boolean(),
  dispatchable: z.boolean(),
  blocked: z.boolean(),
  needsOverride: z.boolean(),
  distanceKm: z.number().nullable(),
});

/** The dispatch centre maintains the units' status, 000 §十(四), §十二(二); auditors read only. */
const dispatcherOnly = (principal: Principal, what: string): void => {
  if (principal.role === "auditor") throw forbidden("auditors read; they do not write");
  if (principal.role !== "dispatcher") throw forbidden(`role ${principal.role} may not ${what}`);
};

/** The fleet is the region's: region-wide roles read it; hospitals and blood stations see units on the board. */
const regionWide = (principal: Principal): void => {
  if (!regionWideRoles.has(principal.role)) throw forbidden(`role ${principal.role} does not see the fleet`);
};

interface UnitRoute {
  command: "TakeUnitOutOfService" | "ReturnUnitToService" | "RecordUnitDisinfected";
  path: string;
  summary: string;
  body: z.ZodType;
}

const unitRoutes: UnitRoute[] = [
  {
    command: "TakeUnitOutOfService",
    path: "/out-of-service",
    summary: "Take an ambulance out of service with a reason (not while on a transfer)",
    body: TakeUnitOutOfService,
  },
  {
    command: "ReturnUnitToService",
    path: "/back-in-service",
    summary: "Make an ambulance available again; refused while disinfection is pending (R-TRF-5)",
    body: ReturnUnitToService,
  },
  {
    command: "RecordUnitDisinfected",
    path: "/disinfected",
    summary: "Disinfection after an infectious-disease transfer done: who and when (000 §十二(六), R-TRF-5)",
    body: RecordUnitDisinfected,
  },
];

export interface FleetRouteOptions {
  bus: ReturnType<typeof commandBus>;
  store: EventStore;
  reference: () => ReferenceLookup;
  readModels: ReadModels;
}

/**
 * Ambulance fleet status (issue 9 §4): the dispatcher's unit commands, the fleet, and the units ranked for a
 * transfer's dispatch. Answers carry unit and transfer ids, never a patient's identity: nothing to access-record.
 */
export const fleetRoutes: FastifyPluginAsyncZod<FleetRouteOptions> = async (
  app,
  { bus, store, reference, readModels },
) => {
  for (const route of unitRoutes) {
    app.post(
      `/api/units/:id${route.path}`,
      {
        schema: {
          tags: ["fleet"],
          summary: route.summary,
          operationId: route.command,
          headers: IdempotencyHeaders,
          params: Params,
          body: route.body,
          response: { 200: Answer },
        },
      },
      async (request) => {
        const { principal } = request;
        const ambulanceId = request.params.id;
        dispatcherOnly(principal, route.command.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase());
        if (!reference().ambulance(ambulanceId)) throw notFound(`ambulance ${ambulanceId}`);
        const key = request.headers["idempotency-key"];
        const command = { type: route.command, ambulanceId, data: request.body } as UnitCommand;
        const answer = await bus.execute(
          unitAggregate(command, () => undefined),
          {
            principal,
            idempotencyKey: key,
            requestHash: hashRequest([route.command, ambulanceId, request.body]),
          },
        );
        return { id: ambulanceId, ...answer };
      },
    );
  }

  app.get(
    "/api/units/:id/history",
    {
      schema: {
        tags: ["fleet"],
        summary:
          "One ambulance's status history from its stream, oldest first, paged (R-TRF-5: who disinfected when)",
        params: Params,
        querystring: HistoryPage,
      },
    },
    async (request) => {
      regionWide(request.principal);
      const ambulanceId = request.params.id;
      if (!reference().ambulance(ambulanceId)) throw notFound(`ambulance ${ambulanceId}`);
      const { fromRevision, limit } = request.query;
      const events: { revision: number; type: string; data: unknown; recordedAt: string; actor: unknown }[] =
        [];
      let next: number | null = null;
      for await (const e of store.readStream(unitStreamId(ambulanceId), {
        fromRevision,
        maxCount: limit + 1,
      })) {
        if (events.length === limit) {
          next = e.revision;
          break;
        }
        events.push({
          revision: e.revision,
          type: e.type,
          data: e.data,
          recordedAt: e.recordedAt,
          actor: e.metadata.actor,
        });
      }
      return { ambulanceId, events, next };
    },
  );

  app.get(
    "/api/fleet",
    {
      schema: {
        tags: ["fleet"],
        summary: "Every ambulance of the region with its status, since when and the transfer it is on",
      },
    },
    async (request) => {
      regionWide(request.principal);
      const units = readModels.fleet();
      return {
        units: reference().data.ambulances.map((a) => {
          const unit = units.get(a.id);
          return {
            ambulanceId: a.id,
            callSign: a.callSign,
            type: a.type,
            baseInstitutionId: a.baseInstitutionId,
            status: unit?.status ?? "available",
            since: unit?.since ?? null,
            transferId: unit?.transferId ?? null,
            disinfectionAfterTransferId: unit?.disinfectionAfterTransferId ?? null,
            outOfServiceReason: unit?.outOfServiceReason ?? null,
          };
        }),
      };
    },
  );

  app.get(
    "/api/transfers/:id/unit-options",
    {
      schema: {
        tags: ["fleet"],
        summary: "The units for this transfer's dispatch: available fitting units first, nearest first",
        params: Params,
        response: {
          200: z.object({
            transferId: z.string(),
            requiredAmbulanceType: z.array(z.string()),
            originInstitutionId: z.string(),
            units: z.array(Option),
          }),
        },
      },
    },
    async (request) => {
      regionWide(request.principal);
      const transferId = request.params.id;
      const state = fold(
        transferDecider,
        (await bus.recordOf(transferStreamId(transferId))) as TransferEvent[],
      );
      if (state.status === "none") throw notFound(`transfer ${transferId}`);
      const fleet = readModels.fleet();
      const statusOf = (ambulanceId: string) => {
        const unit = fleet.get(ambulanceId);
        return unit && { status: unit.status, since: unit.since, transferId: unit.transferId };
      };
      return {
        transferId,
        requiredAmbulanceType: state.requiredAmbulanceType,
        originInstitutionId: state.originInstitutionId,
        units: rankUnits(reference(), state.requiredAmbulanceType, state.originInstitutionId, statusOf),
      };
    },
  );
};
