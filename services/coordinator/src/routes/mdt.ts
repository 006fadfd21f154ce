import {
  type Clock,
  type Decider,
  type DecisionContext,
  type DomainEvent,
  Id as IdPattern,
  type MdtCommand,
  mdtCommandSchemas,
  mdtDecider,
  mdtStreamId,
  transferStreamId,
} from "@mtc/domain";
import { type MdtRecord, type MdtTargets, mdtView } from "@mtc/projections";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { type AccessLog, readBy, seesIdentities } from "../access/accessLog.js";
import { authoriseMdtCommand, MDT_READERS, readsMdtOf } from "../auth/mdtPolicy.js";
import { partiesOf } from "../auth/policy.js";
import { institutionBoundRoles, type Principal } from "../auth/roles.js";
import { conflict, forbidden, notFound } from "../errors.js";
import type { ReadModels } from "../readModels.js";
import { type CommandRouteOptions, type Route, registerAggregate } from "./commandRoutes.js";
import { authoriseCase } from "./queries.js";

/** MDT activation (多学科联合救治, 000 §十六, R-MDT-1…7): commands under /api/mdt. */
const mdtRoutes: Route<MdtCommand["type"]>[] = [
  {
    command: "OpenGreenChannel",
    path: "",
    summary: "Open the green channel and report to the head (R-MDT-1)",
  },
  {
    command: "PreActivateMdt",
    path: "/pre-activations",
    summary: "Medical affairs activates the MDT from a pre-arrival alert, before she arrives (R-MDT-2)",
  },
  {
    command: "RequestActivation",
    path: "/:id/request",
    summary: "The head asks medical affairs to activate, with judgement and reason (R-MDT-2)",
  },
  {
    command: "ActivateMdt",
    path: "/:id/activate",
    summary: "Medical affairs activates; refused without the life-threat judgement (R-MDT-2, R-MDT-6)",
  },
  {
    command: "ArrangeConsultation",
    path: "/:id/consultations",
    summary: "Department-led consultations for orange-or-below without danger to life (R-MDT-6)",
  },
  { command: "CallLead", path: "/:id/lead-calls", summary: "Call the obstetric or neonatal lead (R-MDT-3)" },
  {
    command: "CallSpecialist",
    path: "/:id/specialist-calls",
    summary: "Call an associate-chief-or-above specialist; lower ranks need an override reason (R-MDT-3)",
  },
  {
    command: "CallHospitalHead",
    path: "/:id/head-calls",
    summary: "Call the hospital's head or deputy in charge (R-MDT-4)",
  },
  { command: "RecordMemberArrival", path: "/:id/arrivals", summary: "A called member is on scene" },
  {
    command: "AppointLeader",
    path: "/:id/leader",
    summary: "Appoint the leader among those on scene (R-MDT-3)",
  },
  {
    command: "PutOnStandby",
    path: "/:id/standby",
    summary: "Put lab, imaging, transfusion, theatre, anaesthesia, logistics on standby (R-MDT-3)",
  },
  { command: "AcknowledgeStandby", path: "/:id/standby-acks", summary: "A standby department acknowledges" },
  {
    command: "DeclareFullyStaffed",
    path: "/:id/fully-staffed",
    summary: "Declare the MDT fully staffed; AFE needs the hospital's head on scene (R-MDT-3, R-MDT-4)",
  },
  {
    command: "RequestUpperConsultation",
    path: "/:id/upper-consultations",
    summary: "Ask a higher rescue centre or the health administration for experts (R-MDT-5)",
  },
  {
    command: "RecordConsultationAnswer",
    path: "/:id/upper-consultation-answers",
    summary: "The upper level's answer and the experts named (R-MDT-5)",
  },
  {
    command: "RecordConsultantArrival",
    path: "/:id/upper-consultant-arrivals",
    summary: "An upper-level expert is on scene (R-MDT-5)",
  },
  { command: "StandDownMdt", path: "/:id/stand-down", summary: "Stand down with the outcome (R-MDT-7)" },
];

export interface MdtRouteOptions extends CommandRouteOptions {
  readModels: ReadModels;
  accessLog: AccessLog;
  clock: Clock;
  targetsFor: (institutionId: string) => MdtTargets;
}

const MdtQuery = z.strictObject({
  /** Only activations not stood down (the medical-affairs queue). */
  open: z.enum(["true", "false"]).optional(),
  institutionId: IdPattern.optional(),
});
const Params = z.object({ id: IdPattern });

export const mdtRoutesPlugin: FastifyPluginAsyncZod<MdtRouteOptions> = async (app, options) => {
  const { bus, readModels, accessLog, clock, targetsFor } = options;

  /**
   * 000 §十六 with a transfer: the transfer must be of this case and bound for this hospital (pre-activation from
   * the pre-arrival alert). A transfer of another case answers as an unknown one.
   */
  const checkTransfer = async (command: MdtCommand): Promise<void> => {
    if (command.type !== "OpenGreenChannel" && command.type !== "PreActivateMdt") return;
    const { transferId, caseId, institutionId } = command.data;
    if (transferId === undefined) return;
    const parties = partiesOf(await bus.recordOf(transferStreamId(transferId)));
    if (parties === undefined || parties.caseId !== caseId) throw notFound(`transfer ${transferId}`);
    if (parties.receiver !== institutionId)
      throw conflict(`transfer ${transferId} is bound for another institution than ${institutionId}`, {
        code: "transfer_bound_elsewhere",
      });
  };

  registerAggregate<MdtCommand>(app, options, {
    collection: "mdt",
    tag: "mdt",
    idPrefix: "M",
    routes: mdtRoutes,
    schemas: mdtCommandSchemas,
    decider: mdtDecider as unknown as Decider<MdtCommand, DomainEvent, unknown, DecisionContext>,
    streamId: mdtStreamId,
    command: (type, mdtId, data) => ({ type, mdtId, data }) as MdtCommand,
    authorise: authoriseMdtCommand,
    checkLinks: checkTransfer,
  });

  const view = (record: MdtRecord) => mdtView(record, clock(), targetsFor(record.hospitalId));

  const record = async (
    principal: Principal,
    views: ReturnType<typeof view>[],
    request: Parameters<typeof readBy>[0],
    kind: "mdt" | "mdt_queue",
  ) => {
    if (views.length > 0 && seesIdentities(principal))
      await accessLog.recordRead(
        principal,
        readBy(
          request,
          kind,
          views.map((v) => v.caseId),
        ),
      );
  };

  app.get(
    "/api/mdt",
    {
      schema: {
        tags: ["mdt"],
        summary:
          "MDT activations with times against the hospital's targets and computed alarms; open=true is the medical-affairs queue",
        querystring: MdtQuery,
      },
    },
    async (request) => {
      const { principal } = request;
      if (!MDT_READERS.has(principal.role))
        throw forbidden(`role ${principal.role} does not see MDT activations`);
      const own = institutionBoundRoles.has(principal.role) ? principal.institutionId : undefined;
      const asked = request.query.institutionId;
      if (own !== undefined && asked !== undefined && asked !== own) return { activations: [] };
      const records = readModels.mdtRecords({
        hospitalId: own ?? asked,
        openOnly: request.query.open === "true",
      });
      const activations = records.map(view);
      await record(principal, activations, request, "mdt_queue");
      return { activations };
    },
  );

  app.get(
    "/api/mdt/:id",
    { schema: { tags: ["mdt"], summary: "One MDT activation against its targets", params: Params } },
    async (request) => {
      const { principal } = request;
      const found = readModels.mdtRecord(request.params.id);
      if (!found || !readsMdtOf(principal, found.hospitalId)) throw notFound(`MDT ${request.params.id}`);
      const answer = view(found);
      await record(principal, [answer], request, "mdt");
      return answer;
    },
  );

  app.get(
    "/api/cases/:id/mdt",
    {
      schema: {
        tags: ["cases"],
        summary:
          "The case's MDT section of completeness: who was called, who came when, against the rule and the targets",
        params: Params,
      },
    },
    async (request) => {
      const { principal } = request;
      const caseId = request.params.id;
      await authoriseCase(readModels, principal, caseId);
      const activations = readModels
        .mdtRecords({ caseId })
        .filter((r) => readsMdtOf(principal, r.hospitalId))
        .map(view);
      await record(principal, activations, request, "mdt");
      return { caseId, activations };
    },
  );
};
