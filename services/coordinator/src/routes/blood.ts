import {
  type BloodCommand,
  bloodCommandSchemas,
  bloodDecider,
  bloodStreamId,
  type Clock,
  type Decider,
  type DecisionContext,
  type DomainEvent,
  Id,
  transferStreamId,
} from "@mtc/domain";
import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { authoriseBloodCommand, concernsBlood } from "../auth/bloodPolicy.js";
import { badRequest, forbidden, notFound } from "../errors.js";
import type { ReadModels } from "../readModels.js";
import { languageOf } from "../validationMessages.js";
import { type CommandRouteOptions, type Route, registerAggregate } from "./commandRoutes.js";
import { authoriseCase } from "./queries.js";

const bloodCommandRoutes: Route<BloodCommand["type"]>[] = [
  {
    command: "RequestBlood",
    path: "",
    summary:
      "Request emergency blood for a case: group, products, urgency, destination (000 §二十二(五), R-BLD-1)",
  },
  {
    command: "AddToBloodRequest",
    path: "/:id/extra",
    summary: "An extra request: more products, with the reason",
  },
  { command: "CancelBloodRequest", path: "/:id/cancel", summary: "Cancel a blood request with the reason" },
  {
    command: "AcknowledgeBloodRequest",
    path: "/:id/acknowledge",
    summary: "The station's 24-hour line takes the request (000 §二十二(七), R-BLD-2)",
  },
  { command: "StartBloodPreparation", path: "/:id/prepare", summary: "The station starts preparing (备血)" },
  {
    command: "IssueBlood",
    path: "/:id/issue",
    summary: "Issue (出库) all or part of what is outstanding; compatible substitutes are marked",
  },
  { command: "PackBlood", path: "/:id/pack", summary: "Pack what was issued into one box (装箱)" },
  {
    command: "HandOverBlood",
    path: "/:id/hand-over",
    summary: "Hand the packed box over for transport: fetched, delivered by the station or by 120",
  },
  {
    command: "RecordBloodDelivered",
    path: "/:id/delivered",
    summary: "Delivered to the scene: received by whom, the cold-chain temperature (WS/T 400-2012)",
  },
];

export interface BloodRouteOptions extends Omit<CommandRouteOptions, "caseInstitutions"> {
  readModels: ReadModels;
  clock: Clock;
}

const Params = z.object({ id: Id });
const QueueQuery = z.object({ stationId: Id.optional() });
const HospitalQuery = z.object({ institutionId: Id.optional() });

/** A 400 naming the query parameter a region-wide reader must give. */
const required = (request: FastifyRequest, field: string, what: string) => {
  const zh = languageOf(request.headers["accept-language"]) === "zh";
  return badRequest(`querystring.${field}: name ${what} whose blood requests you read`, {
    errors: [
      {
        path: `querystring.${field}`,
        code: "required",
        message: zh ? "必填：要查看的机构" : `is required: ${what} whose blood requests you read`,
      },
    ],
  });
};

/** Roles that read every blood request of the region. */
const REGION_READERS = new Set(["auditor", "health_admin", "admin", "dispatcher"]);

/**
 * Emergency blood requests (000 §二十二, R-BLD-1…3): the hospital requests, the station acknowledges, issues, packs
 * and hands over, the hospital records the delivery. No answer carries a patient's identity (case ids and staff
 * names only), so reads are not access-recorded.
 */
export const bloodRoutes: FastifyPluginAsyncZod<BloodRouteOptions> = async (app, options) => {
  const { bus, readModels, clock } = options;
  const targets = readModels.blood.targets;

  // A request linked to a transfer must name a transfer of the same case: anything else is the 404 of an unknown
  // transfer. Checked here (this plugin's routes only) because the decider sees only its own stream.
  app.addHook("preHandler", async (request) => {
    if (request.method !== "POST" || request.routeOptions.url !== "/api/blood-requests") return;
    const body = request.body as { caseId: string; transferId?: string | undefined };
    if (body.transferId === undefined) return;
    const transfer = await bus.recordOf(transferStreamId(body.transferId));
    const first = transfer[0];
    if (first?.type !== "TransferRequested" || first.data.caseId !== body.caseId)
      throw notFound(`transfer ${body.transferId}`);
  });

  registerAggregate<BloodCommand>(
    app,
    { ...options, caseInstitutions: readModels.caseInstitutions },
    {
      collection: "blood-requests",
      tag: "blood",
      idPrefix: "B",
      routes: bloodCommandRoutes,
      schemas: bloodCommandSchemas,
      decider: bloodDecider as unknown as Decider<BloodCommand, DomainEvent, unknown, DecisionContext>,
      streamId: bloodStreamId,
      command: (type, bloodRequestId, data) => ({ type, bloodRequestId, data }) as BloodCommand,
      authorise: authoriseBloodCommand,
    },
  );

  app.get(
    "/api/blood-requests/queue",
    {
      schema: {
        tags: ["blood"],
        summary:
          "A blood station's requests: open ones by urgency then age with their alarms, then the latest closed",
        querystring: QueueQuery,
      },
    },
    async (request) => {
      const { principal } = request;
      let stationId: string;
      if (principal.role === "blood_station") stationId = principal.institutionId ?? "";
      else if (REGION_READERS.has(principal.role)) {
        if (request.query.stationId === undefined) throw required(request, "stationId", "the blood station");
        stationId = request.query.stationId;
      } else throw forbidden(`role ${principal.role} does not keep a blood-station queue`);
      const now = clock();
      return { asOf: now.toISOString(), targets, items: readModels.blood.queue(stationId, targets, now) };
    },
  );

  app.get(
    "/api/blood-requests",
    {
      schema: {
        tags: ["blood"],
        summary:
          "The blood requests a hospital made, newest first, with their alarms (hospital staff: their own)",
        querystring: HospitalQuery,
      },
    },
    async (request) => {
      const { principal } = request;
      let institutionId: string;
      if (principal.role === "hospital_staff" || principal.role === "medical_affairs")
        institutionId = principal.institutionId ?? "";
      else if (REGION_READERS.has(principal.role)) {
        if (request.query.institutionId === undefined)
          throw required(request, "institutionId", "the hospital");
        institutionId = request.query.institutionId;
      } else throw forbidden(`role ${principal.role} does not request blood`);
      const now = clock();
      return {
        asOf: now.toISOString(),
        targets,
        items: readModels.blood.ofHospital(institutionId, targets, now),
      };
    },
  );

  app.get(
    "/api/blood-requests/:id",
    {
      schema: {
        tags: ["blood"],
        summary: "One blood request with its milestones against the targets",
        params: Params,
      },
    },
    async (request) => {
      const record = readModels.blood.request(request.params.id);
      const parties = record && {
        caseId: record.caseId,
        hospitalId: record.requestingInstitutionId,
        stationId: record.bloodStationId,
      };
      if (!record || !parties || !concernsBlood(request.principal, parties))
        throw notFound(`blood request ${request.params.id}`);
      return readModels.blood.withAlarms(record, targets, clock());
    },
  );

  app.get(
    "/api/cases/:id/blood-requests",
    {
      schema: {
        tags: ["blood"],
        summary:
          "A case's blood requests, each milestone against its target (the completeness blood section)",
        params: Params,
      },
    },
    async (request) => {
      const { principal } = request;
      const caseId = request.params.id;
      const now = clock();
      let records = readModels.blood.ofCase(caseId);
      if (principal.role === "blood_station") {
        records = records.filter((r) => r.bloodStationId === principal.institutionId);
        if (records.length === 0) throw notFound(`case ${caseId}`);
      } else await authoriseCase(readModels, principal, caseId);
      return {
        caseId,
        targets,
        status: readModels.blood.caseStatus(caseId, targets, now),
        requests: records.map((r) => readModels.blood.withAlarms(r, targets, now)),
      };
    },
  );
};
