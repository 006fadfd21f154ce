import { Id as IdPattern, Instant } from "@mtc/domain";
import type { CaseCursor } from "@mtc/projections";
import { stringify } from "csv-stringify/sync";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { type AccessLog, readBy, seesIdentities } from "../access/accessLog.js";
import { maskIdentities } from "../auth/masking.js";
import { concerns } from "../auth/policy.js";
import { identityMaskedRoles, institutionBoundRoles, type Principal } from "../auth/roles.js";
import { forbidden, notFound } from "../errors.js";
import type { ReadModels } from "../readModels.js";

const CSV_COLUMNS = [
  "occurredAt",
  "recordedAt",
  "type",
  "userId",
  "role",
  "institutionId",
  "streamId",
  "position",
  "lateEntry",
  "data",
];

const AsOf = z.object({ asOf: Instant.optional() });

/**
 * The cursor of a page of cases: the last case's last event and id, base64url JSON, opaque to clients (`next` of
 * the previous page). Decoded and checked here, so a forged one is a 400 naming the field, never a 500.
 */
const encodeCaseCursor = (c: CaseCursor): string =>
  Buffer.from(JSON.stringify([c.lastEventAt, c.caseId])).toString("base64url");
const CaseCursorParam = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,200}$/, "a page cursor (the `next` of the previous page)")
  .transform((text, ctx): CaseCursor => {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
    } catch {
      decoded = undefined;
    }
    const [lastEventAt, caseId] = Array.isArray(decoded) ? decoded : [];
    if (Instant.safeParse(lastEventAt).success && IdPattern.safeParse(caseId).success)
      return { lastEventAt: lastEventAt as string, caseId: caseId as string };
    ctx.addIssue({ code: "custom", message: "not a page cursor: use the `next` of the previous page" });
    return z.NEVER;
  });
const Id = z.object({ id: IdPattern });
const CaseReadsPage = z.object({
  /** Log-position cursor from the previous page's `next`: reads strictly before it. */
  before: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/**
 * A case another institution's staff may not read answers exactly as an unknown case does (same 404, same
 * lookup): no existence oracle (issue 8 finding 1).
 */
export const authoriseCase = async (
  readModels: ReadModels,
  principal: Principal,
  caseId: string,
): Promise<void> => {
  const parties = await readModels.caseInstitutions(caseId);
  const readable =
    parties !== undefined &&
    (!institutionBoundRoles.has(principal.role) || parties.has(principal.institutionId ?? ""));
  if (!readable) throw notFound(`case ${caseId}`);
};

/**
 * Read routes. Hospitals see only what concerns their institution; dispatchers see identities masked; every answer
 * carrying a patient's identity is recorded in the access log first (issue 8 finding 6), or not sent (503).
 */
export const queryRoutes: FastifyPluginAsyncZod<{ readModels: ReadModels; accessLog: AccessLog }> = async (
  app,
  { readModels, accessLog },
) => {
  const authoriseCaseRead = (principal: Principal, caseId: string) =>
    authoriseCase(readModels, principal, caseId);

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
      if (seesIdentities(principal) && items.length > 0)
        await accessLog.recordRead(
          principal,
          readBy(
            request,
            "board",
            items.map((item) => item.caseId),
            { asOf: asOf?.toISOString() },
          ),
        );
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
      await authoriseCaseRead(principal, caseId);
      const asOf = request.query.asOf ? new Date(request.query.asOf) : undefined;
      if (seesIdentities(principal))
        await accessLog.recordRead(
          principal,
          readBy(request, "timeline", [caseId], { asOf: asOf?.toISOString() }),
        );
      return maskIdentities(principal, await readModels.timeline(caseId, asOf));
    },
  );

  app.get(
    "/api/cases",
    {
      schema: {
        tags: ["cases"],
        summary:
          "Find cases by part of the case id, the start of the patient name, the exact ID-card number, institution and opening time",
        querystring: z.strictObject({
          caseId: IdPattern.optional(),
          name: z.string().max(50).optional(),
          idCardNumber: z.string().max(18).optional(),
          institutionId: IdPattern.optional(),
          from: Instant.optional(),
          to: Instant.optional(),
          /** A page at a time, most recent first; `after` is the previous page's `next`. */
          limit: z.coerce.number().int().min(1).max(200).default(50),
          after: CaseCursorParam.optional(),
        }),
      },
    },
    async (request) => {
      const { principal } = request;
      const { caseId, name, idCardNumber, institutionId, from, to, limit, after } = request.query;
      if ((name || idCardNumber) && identityMaskedRoles.has(principal.role)) {
        throw forbidden("your role sees identities masked; search by case id or institution");
      }
      const own = institutionBoundRoles.has(principal.role) ? (principal.institutionId ?? "") : undefined;
      if (own !== undefined && institutionId !== undefined && institutionId !== own) {
        return { cases: [] };
      }
      const found = readModels.findCases({
        caseId,
        name,
        idCardNumber,
        // Hospitals see only the cases their institution is party to (the index does the filtering).
        institutionId: own ?? institutionId,
        from: from ? new Date(from) : undefined,
        to: to ? new Date(to) : undefined,
        // One more than the page: whether there is a next page, without counting every match.
        limit: limit + 1,
        after,
      });
      const more = found.length > limit;
      if (more) found.length = limit;
      const last = found.at(-1);
      const next = more && last ? encodeCaseCursor(last) : undefined;
      if (seesIdentities(principal) && found.length > 0) {
        // The name searched for is itself identifying: only that a name was searched, and its length.
        const query: Record<string, string | number> = Object.create(null);
        for (const [key, value] of Object.entries({ caseId, institutionId, from, to }))
          if (value !== undefined) query[key] = value;
        if (name !== undefined) query.nameLength = [...name].length;
        if (idCardNumber !== undefined) query.idCardNumberSearched = 1;
        await accessLog.recordRead(
          principal,
          readBy(
            request,
            "case_search",
            found.map((c) => c.caseId),
            { query },
          ),
        );
      }
      return maskIdentities(principal, { cases: found, ...(next ? { next } : {}) });
    },
  );

  app.get(
    "/api/cases/:id/timeline.csv",
    {
      schema: {
        tags: ["cases"],
        summary: "The case timeline as CSV (same rows as the JSON timeline); the read is recorded",
        params: Id,
        querystring: AsOf,
      },
    },
    async (request, reply) => {
      const { principal } = request;
      const caseId = request.params.id;
      await authoriseCaseRead(principal, caseId);
      const asOf = request.query.asOf ? new Date(request.query.asOf) : undefined;
      if (seesIdentities(principal))
        await accessLog.recordRead(
          principal,
          readBy(request, "timeline_csv", [caseId], { asOf: asOf?.toISOString() }),
        );
      const timeline = maskIdentities(principal, await readModels.timeline(caseId, asOf));
      const csv = stringify(
        timeline.entries.map((e) => [
          e.occurredAt,
          e.recordedAt,
          e.type,
          e.actor.userId,
          e.actor.role,
          e.actor.institutionId ?? "",
          e.streamId,
          e.position,
          e.recordedLate || e.recordedAfterLaterEvents ? "late" : "",
          JSON.stringify(e.data),
        ]),
        { header: true, columns: CSV_COLUMNS },
      );
      return reply
        .type("text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="timeline-${caseId}.csv"`)
        .send(`\uFEFF${csv}`);
    },
  );

  app.get(
    "/api/cases/:id/timeline-reads",
    {
      schema: {
        tags: ["cases"],
        summary:
          "Who read this case's patient data, what and when (auditors, admin): the latest reads, oldest first, " +
          "from the access index; `next` pages back; the read is recorded",
        params: Id,
        querystring: CaseReadsPage,
      },
    },
    async (request) => {
      const { principal } = request;
      if (principal.role !== "auditor" && principal.role !== "admin")
        throw forbidden("only auditors and admins see the access log");
      const caseId = request.params.id;
      const { before, limit } = request.query;
      const query: Record<string, string | number> = { caseId, limit };
      if (before !== undefined) query.before = before;
      await accessLog.recordRead(principal, readBy(request, "access_log", [], { query }));
      return { caseId, ...(await readModels.readsOfCase(caseId, { before, limit })) };
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
      // Another institution's transfer answers as an unknown one does.
      if (!record || !concerns(request.principal, record.parties))
        throw notFound(`transfer ${request.params.id}`);
      if (seesIdentities(request.principal))
        await accessLog.recordRead(
          request.principal,
          readBy(request, "transfer_record", [record.parties.caseId]),
        );
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
