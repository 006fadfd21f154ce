import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { TOKEN_LIFETIME } from "../auth/authPlugin.js";
import { Role } from "../auth/roles.js";
import type { UserDirectory } from "../auth/users.js";
import { unauthorized } from "../errors.js";

const Me = z.object({
  userId: z.string(),
  displayName: z.string(),
  role: Role,
  institutionId: z.string().optional(),
});

export const authRoutes: FastifyPluginAsyncZod<{ users: UserDirectory }> = async (app, { users }) => {
  app.post(
    "/api/auth/login",
    {
      config: { public: true },
      schema: {
        tags: ["auth"],
        summary: "Log in; answers a bearer token",
        body: z.strictObject({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) }),
        response: { 200: z.object({ token: z.string(), expiresIn: z.string(), user: Me }) },
      },
    },
    async (request) => {
      const user = await users.authenticate(request.body.username, request.body.password);
      if (!user) throw unauthorized("unknown user or wrong password");
      const principal = {
        userId: user.username,
        displayName: user.displayName,
        role: user.role,
        institutionId: user.institutionId,
      };
      return { token: app.issueToken(principal), expiresIn: TOKEN_LIFETIME, user: principal };
    },
  );

  app.get(
    "/api/auth/me",
    { schema: { tags: ["auth"], summary: "Who the token belongs to", response: { 200: Me } } },
    async (request) => request.principal,
  );
};
