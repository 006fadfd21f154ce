import type { Rejection } from "@mtc/domain";
import {
  StoreUnavailableError,
  type StoreUnavailableReason,
  WrongExpectedRevisionError,
} from "@mtc/eventstore";
import type { FastifyError, FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";
import { fieldErrors, languageOf } from "./validationMessages.js";

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
      // Each field and its problem in words, in the request's language (message catalogue in validationMessages).
      const errors = fieldErrors(
        String(error.validationContext ?? "body"),
        error.validation.map((v) => ({
          keyword: v.keyword,
          instancePath: String(v.instancePath),
          message: v.message ?? "",
          params: v.params as Record<string, unknown>,
        })),
        languageOf(request.headers["accept-language"]),
      );
      const detail = errors.map((e) => `${e.path}: ${e.message}`).join("; ");
      return send(400, "Bad Request", detail, { errors });
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
    if (error instanceof StoreUnavailableError) {
      // Issue 8 finding 7: a store failure is the service's condition, not the request's — never a 500.
      request.log.warn({ reason: error.reason, detail: error.message }, "event store unavailable");
      reply.header("retry-after", String(error.retryAfterSeconds));
      return send(503, "Service Unavailable", storeUnavailableDetail[error.reason], {
        code: "store_unavailable",
        reason: error.reason,
        retryAfterSeconds: error.retryAfterSeconds,
      });
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

const RETRY_SAME_KEY =
  "the request was not completed; send it again after the Retry-After delay with the same Idempotency-Key and it is recorded exactly once";

/** In words for the caller: what is wrong with the record store, never a path or a query. */
const storeUnavailableDetail: Readonly<Record<StoreUnavailableReason, string>> = {
  disk_full: `the record store's disk is full; ${RETRY_SAME_KEY}`,
  read_only: `the record store cannot be written at the moment (read-only); ${RETRY_SAME_KEY}`,
  locked: `the record store is busy (locked by another process); ${RETRY_SAME_KEY}`,
  corrupt: `the record store's file is damaged and is being checked; ${RETRY_SAME_KEY}`,
  io_error: `the record store's disk failed to read or write; ${RETRY_SAME_KEY}`,
  unreachable: `the record store cannot be reached; ${RETRY_SAME_KEY}`,
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
