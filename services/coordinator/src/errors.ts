import type { Rejection } from "@mtc/domain";
import { WrongExpectedRevisionError } from "@mtc/eventstore";
import type { FastifyError, FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";

/** An error with an HTTP status, thrown at the edges only (the domain returns rejections as values). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** A read model is being rebuilt (or has failed): its answers would be stale, so none is given (503). */
export class ModelUnavailableError extends Error {
  override readonly name = "ModelUnavailableError";
  constructor(
    readonly model: string,
    readonly state: string,
    readonly progress: number | undefined,
    readonly retryAfterSeconds: number,
  ) {
    super(
      `the ${model} read model is ${state === "rebuilding" ? `being rebuilt (${Math.floor((progress ?? 0) * 100)} %)` : state}; retry later`,
    );
  }
}

export const notFound = (what: string) => new HttpProblem(404, "Not Found", `${what} does not exist`);
export const forbidden = (why: string) => new HttpProblem(403, "Forbidden", why);
export const unauthorized = (why: string) => new HttpProblem(401, "Unauthorized", why);
export const badRequest = (why: string, extra: Record<string, unknown> = {}) =>
  new HttpProblem(400, "Bad Request", why, extra);
export const conflict = (why: string, extra: Record<string, unknown> = {}) =>
  new HttpProblem(409, "Conflict", why, extra);
export const fromRejection = (r: Rejection) =>
  conflict(r.reason, { code: r.code, ...(r.rule ? { rule: r.rule } : {}) });

/** The one error mapper: every failure becomes an RFC 9457 problem document; input never yields a 500. */
export const registerErrorHandler = (app: FastifyInstance): void => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const send = (status: number, title: string, detail: string, extra: Record<string, unknown> = {}) =>
      reply
        .status(status)
        .type("application/problem+json")
        .send({ type: "about:blank", title, status, detail, ...extra });

    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = error.validation.map((v) => ({
        path: [error.validationContext, ...String(v.instancePath).split("/").filter(Boolean)].join("."),
        message: v.message,
      }));
      return send(400, "Bad Request", "the request does not match the schema", { errors });
    }
    if (error instanceof HttpProblem) return send(error.status, error.title, error.message, error.extra);
    if (error instanceof ModelUnavailableError) {
      reply.header("retry-after", String(error.retryAfterSeconds));
      return send(503, "Service Unavailable", error.message, {
        code: "read_model_unavailable",
        model: error.model,
        state: error.state,
        ...(error.progress !== undefined ? { progress: error.progress } : {}),
      });
    }
    if (error instanceof WrongExpectedRevisionError) {
      return send(
        409,
        "Conflict",
        "the record was changed by someone else at the same time; reload and retry",
        {
          code: "concurrency_conflict",
        },
      );
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, "response did not match its schema");
      return send(500, "Internal Server Error", "the server could not produce a valid answer");
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return send(status, statusTitle(status), error.message.replace(/^Body /, "body "), {
        code: error.code,
      });
    }
    request.log.error({ err: error }, "unhandled error");
    return send(500, "Internal Server Error", "the server failed; the error has been logged");
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .type("application/problem+json")
      .send({
        type: "about:blank",
        title: "Not Found",
        status: 404,
        detail: `no route ${request.method} ${request.url.split("?")[0]}`,
      }),
  );
};

const statusTitle = (status: number): string =>
  ({
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    406: "Not Acceptable",
    413: "Content Too Large",
    415: "Unsupported Media Type",
  })[status] ?? "Client Error";
