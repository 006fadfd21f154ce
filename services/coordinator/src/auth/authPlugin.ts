import jwt from "@fastify/jwt";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import { z } from "zod";
import { unauthorized } from "../errors.js";
import { type Principal, Role } from "./roles.js";
import type { UserDirectory } from "./users.js";

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    /** Routes that answer without a token: login, health, the API description. */
    public?: boolean;
  }
}

const TokenClaims = z.object({
  sub: z.string(),
  name: z.string(),
  role: Role,
  inst: z.string().optional(),
});

export const TOKEN_LIFETIME = "12h";

export interface TokenVerifier {
  /** The principal a bearer token stands for, or a 401 problem. */
  verify(token: string): Principal;
}

/** Signed tokens (HS256) and a hook that authenticates every route not marked public. */
export const authPlugin = fp(
  async (app: FastifyInstance, opts: { secret: string; users: UserDirectory }) => {
    await app.register(jwt, { secret: opts.secret, sign: { expiresIn: TOKEN_LIFETIME } });
    app.decorateRequest("principal", undefined as unknown as Principal);

    const toPrincipal = (claims: unknown): Principal => {
      const parsed = TokenClaims.safeParse(claims);
      if (!parsed.success) throw unauthorized("the token does not describe a user");
      const { sub, name, role, inst } = parsed.data;
      return { userId: sub, displayName: name, role, institutionId: inst };
    };

    app.decorate("tokens", {
      verify: (token: string): Principal => {
        try {
          return toPrincipal(app.jwt.verify(token));
        } catch {
          throw unauthorized("the token is invalid or has expired; log in again");
        }
      },
    } satisfies TokenVerifier);

    app.addHook("onRequest", async (request: FastifyRequest) => {
      if (request.routeOptions.config?.public) return;
      const header = request.headers.authorization;
      if (!header?.startsWith("Bearer "))
        throw unauthorized("log in and send the token as `Authorization: Bearer …`");
      request.principal = app.tokens.verify(header.slice("Bearer ".length));
    });

    app.decorate("issueToken", (principal: Principal) =>
      app.jwt.sign({
        sub: principal.userId,
        name: principal.displayName,
        role: principal.role,
        inst: principal.institutionId,
      }),
    );
  },
  { name: "auth" },
);

declare module "fastify" {
  interface FastifyInstance {
    tokens: TokenVerifier;
    issueToken(principal: Principal): string;
  }
}
