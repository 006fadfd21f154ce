import { i18n } from "../i18n/index.js";
import { session } from "./session.js";

/** A problem answered by the API (RFC 9457), with field errors for 400s. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors: { path: string; message: string }[] = [],
    readonly code?: string,
  ) {
    super(detail);
  }
  /** Field errors by the field's path inside the body (`patient.idCardNumber`). */
  fieldErrors(): Record<string, string> {
    return Object.fromEntries(this.errors.map((e) => [e.path.replace(/^body\./, ""), e.message]));
  }
}

export const newIdempotencyKey = (): string => `web-${crypto.randomUUID()}`;

const request = async <T>(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> => {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        ...(session.token.value ? { authorization: `Bearer ${session.token.value}` } : {}),
        // The API words its 400s in this language (field problems shown beside the fields).
        "accept-language": i18n.global.locale.value,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new ApiError(0, "network");
  }
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  if (!response.ok) {
    if (response.status === 401 && session.token.value) session.logout();
    throw new ApiError(
      response.status,
      String(parsed?.detail ?? response.statusText),
      (parsed?.errors as { path: string; message: string }[] | undefined) ?? [],
      parsed?.code as string | undefined,
    );
  }
  return parsed as T;
};

export const api = {
  get: <T>(url: string) => request<T>("GET", url),
  /** A command: always with a fresh Idempotency-Key unless the caller retries with its own. */
  command: <T = CommandAnswer>(url: string, body: unknown, key: string = newIdempotencyKey()) =>
    request<T>("POST", url, body, { "idempotency-key": key }),
  login: (username: string, password: string) =>
    request<{ token: string; user: SessionUser }>("POST", "/api/auth/login", { username, password }),
};

export interface CommandAnswer {
  id: string;
  /** The case of the record: for a creation, the case the service opened (or the one continued). */
  caseId: string;
  streamId: string;
  revision: number;
  position: number;
  events: string[];
}

export interface SessionUser {
  userId: string;
  displayName: string;
  role: string;
  institutionId?: string;
}
