import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { type AccessLog, readBy } from "../access/accessLog.js";
import { forbidden } from "../errors.js";

/** A demo or configured username (auth/roles.ts `User.username`). */
const UserId = z.object({ userId: z.string().regex(/^[a-z0-9_.]{3,40}$/) });
const Page = z.strictObject({
  /** Revision cursor from the previous page's `next`: reads strictly before it. */
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** The access log for auditors (issue 8 finding 6): "what did user U read", newest first, paged. */
export const auditRoutes: FastifyPluginAsyncZod<{ accessLog: AccessLog }> = async (app, { accessLog }) => {
  app.get(
    "/api/audit/users/:userId/reads",
    {
      schema: {
        tags: ["audit"],
        summary:
          "Every recorded read of patient data by one user, newest first (auditors, admin); the read is recorded",
        params: UserId,
        querystring: Page,
      },
    },
    async (request) => {
      const { principal } = request;
      if (principal.role !== "auditor" && principal.role !== "admin")
        throw forbidden("only auditors and admins see the access log");
      const { userId } = request.params;
      const { before, limit } = request.query;
      const query: Record<string, string | number> = { userId, limit };
      if (before !== undefined) query.before = before;
      await accessLog.recordRead(principal, readBy(request, "access_log", [], { query }));
      return { userId, ...(await accessLog.readsOf(userId, { before, limit })) };
    },
  );
};
