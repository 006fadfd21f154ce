import { existsSync } from "node:fs";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/** The built web pages (services/web/dist), same origin as the API; the pages carry no data of their own. */
export const WEB_DIST = path.resolve(import.meta.dirname, "../../../web/dist");

export const registerWebPages = async (app: FastifyInstance, root: string = WEB_DIST): Promise<void> => {
  if (!existsSync(path.join(root, "index.html"))) {
    app.get("/", { config: { public: true } }, async (_request, reply) =>
      reply
        .type("text/plain; charset=utf-8")
        .send("The web pages are not built: run `pnpm build:web` (scripts/setup.sh does it).\n"),
    );
    return;
  }
  await app.register(fastifyStatic, { root, prefix: "/", index: ["index.html"], wildcard: true });
};
