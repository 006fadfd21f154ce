import { isValidIdCardNumber } from "@mtc/domain";
import { categoryOf, HEAD_SIGNED, HEADS_STREAM, type RecordedEvent } from "@mtc/eventstore";
import fc from "fast-check";
import type { Role } from "../../src/auth/roles.js";
import { commandIdFor } from "../../src/commands/commandBus.js";
import {
  type AttackFixture,
  eventsAfter,
  hostility,
  isCommandStream,
  type RawClient,
  type RawRequest,
  type RawResponse,
  rawClient,
  stringsIn,
} from "./fixtures.js";
import {
  hostileIdCardNumber,
  hostileInstant,
  hostilePathId,
  hostileRawBody,
  hostileString,
  hostileValue,
  POISON_KEYS,
  percentEncode,
} from "./hostile.js";
import {
  collectionOf,
  fetchOpenApi,
  type Operation,
  operationsOf,
  type Parameter,
  type Vocabulary,
  validValue,
} from "./openapi.js";

/**
 * The seeded fuzzer of issue 8 ("Standing suites"): requests generated from the OpenAPI document of the running
 * service, valid-looking, at the boundaries and hostile. Pass: no 5xx, no event that a 2xx command answer does not
 * account for, the service alive and every projection live at the end, no hostile text in the log; after a restart,
 * every acknowledged command retried gets its first answer and its key reused on another request is refused.
 */

export interface FuzzOptions {
  seed: number;
  requests: number;
  concurrency: number;
}

export interface FuzzRequest extends RawRequest {
  index: number;
  /** The route template the request was generated for. */
  route: string;
  /** Who sent it (a demo username), or how the token was spoiled. */
  as: string;
  /** What was done to the valid request, for the report. */
  mutation: string;
}

export interface Failure {
  kind:
    | "5xx"
    | "transport"
    | "unexplained-event"
    | "hostile-stored"
    | "invalid-stored"
    | "not-alive"
    | "replay-differs";
  /** Failures of one class share a key; the report shows the smallest request of each class. */
  key: string;
  detail: string;
  request?: FuzzRequest | undefined;
  status?: number | undefined;
}

export interface FuzzReport {
  seed: number;
  sent: number;
  /** Retries and reused keys sent after the restart. */
  replayed: number;
  /** Requests sent per route template of the OpenAPI document. */
  routes: Map<string, number>;
  statuses: Map<number, number>;
  acknowledgedCommands: number;
  eventsWritten: number;
  /** 503 with Retry-After during a declared rebuild of a read model: allowed, counted. */
  rebuilding: number;
  failures: Failure[];
}

type BodyPlan =
  | { kind: "valid" }
  | { kind: "drop"; pick: number }
  | { kind: "extra"; key: string; value: unknown }
  | { kind: "replace"; pick: number; value: unknown }
  | { kind: "duplicate"; pick: number; value: unknown }
  | { kind: "raw"; text: string }
  | { kind: "absent" };

type KeyPlan = "fresh" | "missing" | "pooled" | "invalid";
type AuthPlan = { kind: "user"; user: number } | { kind: "spoiled"; how: string };

interface Plan {
  operation: number;
  method: string | undefined;
  auth: AuthPlan;
  key: KeyPlan;
  pooledKey: number;
  invalidKey: string;
  contentType: string | undefined;
  /** Speak for the sender's own institution, so that creations get past the policy and reach the deciders. */
  align: boolean;
  extraHeader: [string, string] | undefined;
  pathIds: Record<string, string>;
  query: [string, string][];
  body: unknown;
  bodyPlan: BodyPlan;
}

const KEY_POOL_SIZE = 8;
const MAX_URL_LENGTH = 12_000;

const leaves = (value: unknown, path: (string | number)[] = []): (string | number)[][] => {
  if (Array.isArray(value))
    return [path, ...value.flatMap((item, index) => leaves(item, [...path, index]))].filter((p) => p.length);
  if (value !== null && typeof value === "object")
    return [path, ...Object.entries(value).flatMap(([key, inner]) => leaves(inner, [...path, key]))].filter(
      (p) => p.length,
    );
  return path.length ? [path] : [];
};

const cloneJson = (value: unknown): unknown =>
  value === undefined ? undefined : JSON.parse(JSON.stringify(value));

/** Sets or deletes (value undefined) the value at a path inside a JSON value, in place. */
const setAt = (root: unknown, path: readonly (string | number)[], value: unknown): void => {
  let node = root as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
};

/** Field-aware hostile values: impossible dates for instants, invalid numbers for ID cards, anything elsewhere. */
const hostileFor = (name: string): fc.Arbitrary<unknown> => {
  if (/At$/.test(name) || name === "asOf" || name === "from" || name === "to")
    return fc.oneof(hostileInstant, hostileValue);
  if (name === "idCardNumber") return fc.oneof(hostileIdCardNumber, hostileValue);
  return hostileValue;
};

const bodyPlan = (operation: Operation): fc.Arbitrary<BodyPlan> => {
  if (!operation.body)
    return fc.oneof(
      { weight: 20, arbitrary: fc.constant({ kind: "absent" as const }) },
      {
        weight: 1,
        arbitrary: hostileRawBody.map((text) => ({ kind: "raw" as const, text })),
      },
    );
  return fc.oneof(
    { weight: 10, arbitrary: fc.constant({ kind: "valid" as const }) },
    { weight: 2, arbitrary: fc.nat().map((pick) => ({ kind: "drop" as const, pick })) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("extra" as const),
        key: fc.oneof(fc.constantFrom(...POISON_KEYS, "caseId", "role", "isAdmin"), hostileString),
        value: hostileValue,
      }),
    },
    {
      weight: 10,
      arbitrary: fc.record({
        kind: fc.constant("replace" as const),
        pick: fc.nat(),
        value: fc.oneof(hostileString, hostileInstant, hostileIdCardNumber, hostileValue),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("duplicate" as const), pick: fc.nat(), value: hostileValue }),
    },
    { weight: 2, arbitrary: hostileRawBody.map((text) => ({ kind: "raw" as const, text })) },
    { weight: 1, arbitrary: fc.constant({ kind: "absent" as const }) },
  );
};

const queryFor = (
  parameters: readonly Parameter[],
  vocabulary: Vocabulary,
): fc.Arbitrary<[string, string][]> => {
  const known = parameters.filter((p) => p.in === "query");
  const pair = (name: string, value: fc.Arbitrary<unknown>) =>
    value.map((v): [string, string] => [name, typeof v === "string" ? v : (JSON.stringify(v) ?? "")]);
  const one = fc.oneof(
    ...known.map((p) => ({ weight: 4, arbitrary: pair(p.name, validValue(p.schema, p.name, vocabulary)) })),
    ...known.map((p) => ({ weight: 3, arbitrary: pair(p.name, hostileFor(p.name)) })),
    { weight: 1, arbitrary: pair("__proto__", hostileString) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...POISON_KEYS, "constructor[prototype]", "a[b]", "x", ""), hostileString)
        .map(([k, v]): [string, string] => [k, v]),
    },
  );
  return fc.array(one, { maxLength: known.length + 2 });
};

const planFor = (operation: Operation, index: number, fixture: AttackFixture, vocabulary: Vocabulary) => {
  const pathParameters = operation.parameters.filter((p) => p.in === "path");
  const idsFor = (name: string): string[] => {
    const collection = collectionOf(operation.template, name);
    if (collection === "referrals") return vocabulary.referralIds;
    if (collection === "transfers") return vocabulary.transferIds;
    if (collection === "cases") return vocabulary.caseIds;
    return [...vocabulary.caseIds, ...vocabulary.referralIds, ...vocabulary.transferIds];
  };
  const pathIds = fc.record(
    Object.fromEntries(
      pathParameters.map((p) => [
        p.name,
        fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom(...idsFor(p.name)) },
          { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_]{1,64}$/) },
          { weight: 3, arbitrary: hostilePathId },
        ),
      ]),
    ),
  );
  const users = fixture.users.length;
  return fc.record<Plan>({
    operation: fc.constant(index),
    method: fc.oneof(
      { weight: 40, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.constantFrom("PUT", "PATCH", "DELETE", "OPTIONS", "HEAD") },
    ),
    auth: fc.oneof(
      {
        weight: 20,
        arbitrary: fc.integer({ min: 0, max: users - 1 }).map((user) => ({ kind: "user" as const, user })),
      },
      {
        weight: 2,
        arbitrary: fc
          .constantFrom("none", "garbage", "basic", "truncated", "empty-bearer", "two-tokens")
          .map((how) => ({ kind: "spoiled" as const, how })),
      },
    ),
    key: fc.oneof(
      { weight: 14, arbitrary: fc.constant<KeyPlan>("fresh") },
      { weight: 2, arbitrary: fc.constant<KeyPlan>("pooled") },
      { weight: 1, arbitrary: fc.constant<KeyPlan>("missing") },
      { weight: 1, arbitrary: fc.constant<KeyPlan>("invalid") },
    ),
    pooledKey: fc.integer({ min: 0, max: KEY_POOL_SIZE - 1 }),
    invalidKey: fc.constantFrom(
      "short",
      "has space in it",
      "k".repeat(200),
      "key/with/slash",
      "__proto__",
      "",
    ),
    contentType: fc.oneof(
      { weight: 20, arbitrary: fc.constant("application/json") },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          undefined,
          "text/plain",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
          "application/json; charset=latin1",
          "application/json, text/plain",
          "application/problem+json",
        ),
      },
    ),
    align: fc.boolean(),
    extraHeader: fc.oneof(
      { weight: 20, arbitrary: fc.constant(undefined) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<[string, string]>(
          ["x-request-id", "a".repeat(6_000)],
          ["x-request-id", "__proto__"],
          ["x-request-id", "../../etc/passwd"],
          ["accept", "text/csv"],
          ["accept", "application/xml;q=1, */*;q=0"],
          ["accept-language", "zh-CN;q=abc, en;q=-1"],
          ["x-forwarded-for", "127.0.0.1, 10.0.0.1, __proto__"],
          ["content-encoding", "gzip"],
          ["transfer-encoding", "chunked"],
          ["expect", "100-continue"],
        ),
      },
    ),
    pathIds,
    query: queryFor(operation.parameters, vocabulary),
    body: operation.body ? validValue(operation.body, "body", vocabulary) : fc.constant(undefined),
    bodyPlan: bodyPlan(operation),
  });
};

const describePlan = (plan: BodyPlan, path: readonly (string | number)[] | undefined): string => {
  if (plan.kind === "drop" || plan.kind === "replace" || plan.kind === "duplicate")
    return `${plan.kind} body.${(path ?? []).join(".")}`;
  if (plan.kind === "extra") return `extra body key ${JSON.stringify(plan.key)}`;
  return `${plan.kind} body`;
};

/** Builds the concrete request of a plan; everything random was drawn by fast-check from the seed. */
const materialise = (
  plan: Plan,
  operations: readonly Operation[],
  fixture: AttackFixture,
  seed: number,
  index: number,
): FuzzRequest => {
  const operation = operations[plan.operation] as Operation;
  const mutations: string[] = [];
  let path = operation.template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const id = plan.pathIds[name] ?? "";
    return /^[A-Za-z0-9_]*$/.test(id) ? id : id.includes("%") ? id : percentEncode(id);
  });
  if (Object.values(plan.pathIds).some((id) => !/^[A-Za-z0-9_]{1,64}$/.test(id)))
    mutations.push("hostile path id");
  if (plan.query.length > 0) {
    path += `?${plan.query.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join("&")}`;
    mutations.push("query");
  }
  if (path.length > MAX_URL_LENGTH) path = path.slice(0, MAX_URL_LENGTH);

  const headers: Record<string, string> = {};
  let as = "anonymous";
  let ownInstitution: string | undefined;
  if (plan.auth.kind === "user") {
    const user = fixture.users[plan.auth.user % fixture.users.length];
    if (user) {
      headers.authorization = `Bearer ${user.token}`;
      as = user.username;
      ownInstitution = user.institutionId;
    }
  } else {
    const token = fixture.users[0]?.token ?? "";
    const spoiled: Record<string, string | undefined> = {
      none: undefined,
      garbage: "Bearer not.a.token",
      basic: "Basic Y2xpbmljOmRlbW8xMjM0",
      truncated: `Bearer ${token.slice(0, -5)}`,
      "empty-bearer": "Bearer ",
      "two-tokens": `Bearer ${token}, Bearer ${token}`,
    };
    const value = spoiled[plan.auth.how];
    if (value !== undefined) headers.authorization = value;
    as = `token:${plan.auth.how}`;
  }
  const takesKey = operation.parameters.some((p) => p.in === "header" && p.name === "idempotency-key");
  if (takesKey || plan.key !== "fresh") {
    if (plan.key === "fresh") headers["idempotency-key"] = `fz${seed}-${index}`;
    else if (plan.key === "pooled") headers["idempotency-key"] = `fz${seed}-pool-${plan.pooledKey}`;
    else if (plan.key === "invalid" && plan.invalidKey !== "") headers["idempotency-key"] = plan.invalidKey;
    if (plan.key !== "fresh") mutations.push(`${plan.key} idempotency key`);
  }

  let body: string | undefined;
  const bp = plan.bodyPlan;
  if (bp.kind === "raw") body = bp.text;
  else if (bp.kind !== "absent" && plan.body !== undefined) {
    const value = cloneJson(plan.body);
    if (plan.align && ownInstitution && value !== null && typeof value === "object") {
      const fields = value as Record<string, unknown>;
      for (const key of ["fromInstitutionId", "originInstitutionId", "institutionId"])
        if (key in fields && (key !== "institutionId" || !operation.template.includes("{")))
          fields[key] = ownInstitution;
    }
    const paths = leaves(value);
    const target = paths.length > 0 && "pick" in bp ? paths[bp.pick % paths.length] : undefined;
    if (bp.kind === "drop" && target) setAt(value, target, undefined);
    if (bp.kind === "replace" && target) setAt(value, target, bp.value);
    if (bp.kind === "extra" && value !== null && typeof value === "object")
      body = JSON.stringify(value).replace(
        /^\{/,
        `{${JSON.stringify(bp.key)}:${JSON.stringify(bp.value) ?? "null"},`,
      );
    if (bp.kind === "duplicate" && target && typeof target.at(-1) === "string") {
      // Repeated keys: JSON.parse keeps the last; a second parser might keep the first.
      const key = JSON.stringify(target.at(-1));
      body = JSON.stringify(value).replace(`${key}:`, `${key}:${JSON.stringify(bp.value) ?? "null"},${key}:`);
    }
    body ??= JSON.stringify(value);
    if (bp.kind !== "valid") mutations.push(describePlan(bp, target));
  } else if (bp.kind === "absent" && operation.body) mutations.push("no body");
  if (body !== undefined && plan.contentType !== undefined) headers["content-type"] = plan.contentType;
  if (plan.extraHeader) {
    const [name, value] = plan.extraHeader;
    // A chunked body carries no length; the client sets the framing, so only the other headers are sent as is.
    if (name !== "transfer-encoding" || body === undefined) headers[name] = value;
    mutations.push(`header ${name}`);
  }
  if (plan.contentType !== "application/json") mutations.push(`content-type ${plan.contentType ?? "none"}`);
  if (body === "") body = undefined;
  const method = plan.method ?? operation.method;
  if (plan.method) mutations.push(`method ${plan.method}`);
  return {
    index,
    method,
    path,
    headers,
    body,
    route: `${operation.method} ${operation.template}`,
    as,
    mutation: mutations.join(", ") || "valid",
  };
};

/** 503 with Retry-After while a read model declares it is rebuilding: the one 5xx that is not a failure. */
const isDeclaredRebuild = (response: RawResponse): boolean =>
  response.status === 503 && response.headers["retry-after"] !== undefined && /rebuild/i.test(response.text);

export interface Acknowledged {
  streamId: string;
  revision: number;
  events: number;
}

const acknowledgedIn = (response: RawResponse): Acknowledged | undefined => {
  if (response.status < 200 || response.status > 299) return undefined;
  try {
    const body = JSON.parse(response.text) as Record<string, unknown>;
    if (typeof body.streamId === "string" && typeof body.revision === "number" && Array.isArray(body.events))
      return { streamId: body.streamId, revision: body.revision, events: body.events.length };
  } catch {
    return undefined;
  }
  return undefined;
};

/** One step smaller: without the query, without one query pair, without one top-level body field or the body. */
const smallerThan = (request: FuzzRequest): FuzzRequest[] => {
  const candidates: FuzzRequest[] = [];
  const [path, query] = request.path.split("?", 2) as [string, string | undefined];
  if (query !== undefined) {
    candidates.push({ ...request, path });
    const pairs = query.split("&");
    if (pairs.length > 1)
      for (const i of pairs.keys())
        candidates.push({ ...request, path: `${path}?${pairs.filter((_, j) => j !== i).join("&")}` });
  }
  if (request.body !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(request.body);
    } catch {
      value = undefined;
    }
    if (value !== null && typeof value === "object" && !Array.isArray(value))
      for (const key of Object.keys(value)) {
        const { [key]: _dropped, ...rest } = value as Record<string, unknown>;
        candidates.push({ ...request, body: JSON.stringify(rest) });
      }
    else candidates.push({ ...request, body: undefined });
  }
  return candidates;
};

const sizeOf = (request: FuzzRequest): number => request.path.length + (request.body?.length ?? 0);

/** Runs the fuzzer against the fixture's service and judges the outcome. */
export const runFuzzer = async (fixture: AttackFixture, options: FuzzOptions): Promise<FuzzReport> => {
  const doc = await fetchOpenApi(fixture.url);
  const operations = operationsOf(doc);
  const vocabulary: Vocabulary = {
    caseIds: fixture.cases.map((c) => c.caseId),
    referralIds: fixture.cases.map((c) => c.referralId),
    transferIds: fixture.cases.map((c) => c.transferId),
    institutionIds: fixture.institutionIds,
    ambulanceIds: fixture.ambulanceIds,
    usernames: fixture.users.map((u) => u.username),
  };
  // Logging in verifies an argon2 hash: a few are enough to attack the route, many only burn the two cores.
  const weightOf = (op: Operation) => (op.template === "/api/auth/login" ? 1 : 10);
  const arbitrary = fc.oneof(
    ...operations.map((op, index) => ({
      weight: weightOf(op),
      arbitrary: planFor(op, index, fixture, vocabulary),
    })),
  );

  const statuses = new Map<number, number>();
  const routes = new Map<string, number>();
  const failures = new Map<string, Failure & { count: number }>();
  const fail = (failure: Failure) => {
    const seen = failures.get(failure.key);
    if (!seen) failures.set(failure.key, { ...failure, count: 1 });
    else {
      seen.count++;
      if (failure.request && (!seen.request || sizeOf(failure.request) < sizeOf(seen.request))) {
        seen.request = failure.request;
        seen.status = failure.status;
        seen.detail = failure.detail;
      }
    }
  };
  const acknowledged: Acknowledged[] = [];
  const sentCommands = new Map<string, FuzzRequest>();
  const successfulReads = new Map<string, number>();
  const refusedCommandIds = new Set<string>();
  let rebuilding = 0;
  let sent = 0;

  const CHUNK = 500;
  let chunk: FuzzRequest[] = [];
  let chunkStart = -CHUNK;
  const requestAt = (index: number): FuzzRequest => {
    if (index >= chunkStart + CHUNK) {
      chunkStart = index - (index % CHUNK);
      const plans = fc.sample(arbitrary, { seed: options.seed + chunkStart, numRuns: CHUNK });
      chunk = plans.map((plan, i) => materialise(plan, operations, fixture, options.seed, chunkStart + i));
    }
    return chunk[index - chunkStart] as FuzzRequest;
  };

  const principalOf = (username: string) => {
    const user = fixture.users.find((u) => u.username === username);
    return user ? { userId: user.username, displayName: user.username, role: user.role as Role } : undefined;
  };

  /** Sends one request and judges its answer; the acknowledged ones are kept for the replay after the restart. */
  const acknowledgedRequests: { request: FuzzRequest; answer: string }[] = [];
  const answeredCommandIds = new Set<string>();
  const exchange = async (client: RawClient, request: FuzzRequest): Promise<RawResponse | undefined> => {
    const principal = principalOf(request.as);
    const key = request.headers["idempotency-key"];
    // The first request sent with a key is the one that can have written with it.
    const commandId = principal && key ? commandIdFor(principal, key) : undefined;
    if (commandId && !sentCommands.has(commandId)) sentCommands.set(commandId, request);
    let response: RawResponse;
    try {
      response = await client.send(request);
    } catch (error) {
      fail({ kind: "transport", key: `transport ${request.route}`, detail: String(error), request });
      return undefined;
    } finally {
      sent++;
    }
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    if (response.status >= 500) {
      if (isDeclaredRebuild(response)) rebuilding++;
      else
        fail({
          kind: "5xx",
          key: `${response.status} ${request.route}${request.mutation.includes("after restart") ? " after restart" : ""}`,
          detail: response.text.slice(0, 300),
          request,
          status: response.status,
        });
    }
    const ack = acknowledgedIn(response);
    // The command id is known from the sender and the key, whatever shape the answer has.
    if (commandId && request.method === "POST" && response.status >= 200 && response.status < 300)
      answeredCommandIds.add(commandId);
    if (commandId && request.method === "POST" && response.status === 409) refusedCommandIds.add(commandId);
    if (ack) {
      acknowledged.push(ack);
      if (key) acknowledgedRequests.push({ request, answer: response.text });
    } else if (response.status >= 200 && response.status < 300) {
      // The route is the template the request was generated for; the method is what was actually sent.
      const read = readKey(request.as, request.method, request.route.slice(request.route.indexOf(" ") + 1));
      successfulReads.set(read, (successfulReads.get(read) ?? 0) + 1);
    }
    return response;
  };

  const client = rawClient(fixture.url, options.concurrency);
  let next = 0;
  const worker = async () => {
    while (next < options.requests) {
      const request = requestAt(next++);
      routes.set(request.route, (routes.get(request.route) ?? 0) + 1);
      await exchange(client, request);
    }
  };
  // Chunks are generated in index order by whichever worker needs them; fc.sample is synchronous, so no race.
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  client.close();

  const mainSent = sent;
  await judgeHealth(fixture.url, await eventsAfter(fixture.harness, fixture.fixtureHead), sentCommands, fail);
  // After a restart the answer cache is gone; only the log can tell a retry from a reused key (ADR 2).
  await fixture.restart();
  const replays = [...acknowledgedRequests].sort((a, b) => a.request.index - b.request.index);
  const again = rawClient(fixture.url, options.concurrency);
  const withNewToken = (request: FuzzRequest, mutation: string, other?: FuzzRequest): FuzzRequest => {
    const token = fixture.users.find((u) => u.username === request.as)?.token ?? "";
    const shape = other ?? request;
    return {
      ...shape,
      index: request.index,
      as: request.as,
      headers: {
        ...shape.headers,
        authorization: `Bearer ${token}`,
        "idempotency-key": request.headers["idempotency-key"] ?? "",
      },
      mutation: `${mutation} after restart`,
    };
  };
  for (const [position, { request, answer }] of replays.entries()) {
    const retry = await exchange(again, withNewToken(request, "same key, same request"));
    if (retry && retry.text !== answer)
      fail({
        kind: "replay-differs",
        key: `retry after restart ${request.route}`,
        detail: `first answer ${answer.slice(0, 200)}, retry ${retry.status} ${retry.text.slice(0, 200)}`,
        request,
        status: retry.status,
      });
    // The same key on another acknowledged request (another route, target or body) must be refused, not run.
    const other = replays[(position + 1) % replays.length]?.request;
    if (!other || (other.path === request.path && other.body === request.body)) continue;
    const reused = withNewToken(request, "same key, another request", other);
    const refused = await exchange(again, reused);
    if (refused && refused.status >= 200 && refused.status < 300)
      fail({
        kind: "replay-differs",
        key: `reused key accepted after restart ${other.route}`,
        detail: `${refused.status} ${refused.text.slice(0, 200)}`,
        request: reused,
        status: refused.status,
      });
  }
  // Shrinking: a smaller request that fails the same way joins its class, which keeps the smallest it has seen.
  let shrinkSerial = 0;
  for (const failure of [...failures.values()].filter((f) => f.kind === "5xx" && f.request)) {
    let current = failure.request as FuzzRequest;
    for (let budget = 40; budget > 0; ) {
      let smaller: FuzzRequest | undefined;
      for (const candidate of smallerThan(current)) {
        if (budget-- <= 0) break;
        const token = fixture.users.find((u) => u.username === candidate.as)?.token;
        const key = candidate.headers["idempotency-key"];
        const attempt: FuzzRequest = {
          ...candidate,
          headers: {
            ...candidate.headers,
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(key ? { "idempotency-key": `${key.slice(0, 100)}-s${++shrinkSerial}` } : {}),
          },
          mutation: `${failure.request?.mutation ?? ""}, shrunk`,
        };
        const response = await exchange(again, attempt);
        if (response?.status === failure.status) {
          smaller = attempt;
          break;
        }
      }
      if (!smaller) break;
      current = smaller;
    }
  }
  again.close();

  const events = await eventsAfter(fixture.harness, fixture.fixtureHead);
  judgeLog(
    events,
    { answers: acknowledged, commandIds: answeredCommandIds },
    { reads: successfulReads, refusedCommandIds },
    sentCommands,
    fail,
  );
  await judgeHealth(fixture.url, events, sentCommands, fail);

  return {
    seed: options.seed,
    sent: mainSent,
    replayed: sent - mainSent,
    routes,
    statuses,
    acknowledgedCommands: acknowledged.length,
    eventsWritten: events.length,
    rebuilding,
    failures: [...failures.values()].map(({ count, ...failure }) => ({
      ...failure,
      detail: `${failure.detail} (${count}×)`,
    })),
  };
};

/** No referral, transfer or reading of one happened before this year: an earlier instant is a typing error. */
const EARLIEST_PLAUSIBLE_YEAR = 1900;

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

/** A real calendar instant (Date.parse rolls 30 February over to March; this does not). */
export const isRealInstant = (value: string): boolean => {
  const parts = INSTANT.exec(value);
  if (!parts) return false;
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number) as number[];
  const at = new Date(Date.UTC(2000, (month ?? 0) - 1, day ?? 0, hour ?? 0, minute ?? 0, second ?? 0));
  // Date.UTC reads years 0-99 as 1900-1999; setting the year afterwards does not.
  at.setUTCFullYear(year ?? 0, (month ?? 0) - 1, day ?? 0);
  const offsetOk = parts[8] === "Z" || (Number(parts[9]) <= 23 && Number(parts[10]) <= 59);
  return (
    offsetOk &&
    at.getUTCFullYear() === year &&
    at.getUTCMonth() === (month ?? 0) - 1 &&
    at.getUTCDate() === day &&
    at.getUTCHours() === hour &&
    at.getUTCMinutes() === minute &&
    at.getUTCSeconds() === second
  );
};

/** Who read which route, as the access log names it (`GET /api/cases/:id/timeline`). */
export const readKey = (username: string, method: string, template: string): string =>
  `${username} ${method} ${template.replace(/\{(\w+)\}/g, ":$1")}`;

/** What the fuzzer saw that lets the service write bookkeeping of its own. */
export interface Bookkeeping {
  /** 2xx answers to reads, per `readKey`: each may have left one access record, no more. */
  reads: ReadonlyMap<string, number>;
  /** Commands answered 409: each may have left its refusal record (ADR 2), no more. */
  refusedCommandIds: ReadonlySet<string>;
}

/**
 * The service's own bookkeeping, category by category (everything else is written by commands):
 * `refusal-<commandId>` records a command refused with 409; `access-<userId>` holds `PatientDataRead` records of
 * that user's successful reads (issue 8 finding 6); `integrity-heads` holds the periodically signed heads of the
 * chain (ADR 0006); `case-<caseId>` holds the `CaseOpened` claim of a case id by a creation command that was
 * answered 2xx, or refused with 409 after its case was opened (issue 8 finding 1). Anything else — an integrity
 * alarm above all — is unexplained.
 */
const judgeBookkeeping = (
  events: readonly RecordedEvent[],
  bookkeeping: Bookkeeping,
  acknowledgedCommandIds: ReadonlySet<string>,
  fail: (failure: Failure) => void,
) => {
  const recordedReads = new Map<string, number>();
  for (const event of events) {
    const category = categoryOf(event.streamId);
    if (isCommandStream(event.streamId)) continue;
    const where = `${event.streamId}@${event.revision} (${event.type})`;
    if (category === "refusal") {
      // A unit command refused for a transfer command (ADR 0009) names that command as its cause.
      const { commandId, causationId } = event.metadata;
      if (
        event.streamId !== `refusal-${commandId}` ||
        !(bookkeeping.refusedCommandIds.has(commandId) || bookkeeping.refusedCommandIds.has(causationId))
      )
        fail({ kind: "unexplained-event", key: "refusal without a 409", detail: where });
    } else if (category === "unit") {
      // A unit's events come from its own commands, or from a transfer command they name as their cause
      // (ADR 0009): a claim withdrawn because that command was refused (409) included.
      const { commandId, causationId } = event.metadata;
      if (
        !(
          acknowledgedCommandIds.has(commandId) ||
          acknowledgedCommandIds.has(causationId) ||
          bookkeeping.refusedCommandIds.has(causationId)
        )
      )
        fail({
          kind: "unexplained-event",
          key: `unit ${event.type} without a 2xx or 409 answer`,
          detail: where,
        });
    } else if (category === "case") {
      const { commandId } = event.metadata;
      const claimed = (event.data as { caseId?: unknown }).caseId;
      if (
        event.type !== "CaseOpened" ||
        event.streamId !== `case-${String(claimed)}` ||
        !(acknowledgedCommandIds.has(commandId) || bookkeeping.refusedCommandIds.has(commandId))
      )
        fail({ kind: "unexplained-event", key: "case opened without a 2xx or 409 answer", detail: where });
    } else if (category === "access") {
      const { userId } = event.metadata.actor;
      const route = (event.data as { route?: unknown }).route;
      if (
        event.type !== "PatientDataRead" ||
        event.streamId !== `access-${userId}` ||
        typeof route !== "string"
      ) {
        fail({ kind: "unexplained-event", key: `malformed access record ${event.type}`, detail: where });
        continue;
      }
      const read = `${userId} ${route}`;
      recordedReads.set(read, (recordedReads.get(read) ?? 0) + 1);
    } else if (event.streamId !== HEADS_STREAM || event.type !== HEAD_SIGNED) {
      fail({ kind: "unexplained-event", key: `unexplained ${event.type} in ${category}`, detail: where });
    }
  }
  for (const [read, count] of recordedReads) {
    const answered = bookkeeping.reads.get(read) ?? 0;
    if (count > answered)
      fail({
        kind: "unexplained-event",
        key: "access records beyond successful reads",
        detail: `${count} access records of ${read}, but ${answered} successful reads`,
      });
  }
};

/** Every event after the fixture must be accounted for by an answer, and none may hold hostile text. */
export const judgeLog = (
  events: readonly RecordedEvent[],
  acknowledged: { answers: readonly Acknowledged[]; commandIds: ReadonlySet<string> },
  bookkeeping: Bookkeeping,
  sentCommands: ReadonlyMap<string, FuzzRequest>,
  fail: (failure: Failure) => void,
) => {
  const positions = new Set<string>();
  for (const ack of acknowledged.answers)
    for (let r = ack.revision - ack.events + 1; r <= ack.revision; r++) positions.add(`${ack.streamId}@${r}`);
  // A command is acknowledged when a 2xx answer names its events' stream positions, or was sent with its id.
  const acknowledgedCommandIds = new Set([
    ...acknowledged.commandIds,
    ...events.filter((e) => positions.has(`${e.streamId}@${e.revision}`)).map((e) => e.metadata.commandId),
  ]);
  judgeBookkeeping(events, bookkeeping, acknowledgedCommandIds, fail);
  for (const event of events) {
    const request = sentCommands.get(event.metadata.commandId);
    if (isCommandStream(event.streamId) && !acknowledgedCommandIds.has(event.metadata.commandId)) {
      fail({
        kind: "unexplained-event",
        key: `unexplained ${event.type}`,
        detail: `${event.streamId}@${event.revision} (${event.type}) has no 2xx answer`,
        request,
      });
    }
    for (const [path, value] of stringsIn({ data: event.data, metadata: event.metadata })) {
      const what = hostility(value);
      if (what)
        fail({
          kind: "hostile-stored",
          key: `hostile ${what} in ${event.type} ${path.replace(/\[\d+\]/g, "[]")}`,
          detail: `${event.streamId}@${event.revision} ${path} holds ${what}`,
          request,
        });
      const field = path.split(".").at(-1) ?? "";
      if (field === "idCardNumber" && !isValidIdCardNumber(value))
        fail({
          kind: "invalid-stored",
          key: `invalid ID-card number in ${event.type}`,
          detail: `${event.streamId}@${event.revision} ${path} = ${JSON.stringify(value)}`,
          request,
        });
      if (/At$/.test(field) && !isRealInstant(value))
        fail({
          kind: "invalid-stored",
          key: `impossible instant in ${event.type} ${path}`,
          detail: `${event.streamId}@${event.revision} ${path} = ${JSON.stringify(value)}`,
          request,
        });
      else if (/At$/.test(field) && Number(value.slice(0, 4)) < EARLIEST_PLAUSIBLE_YEAR)
        fail({
          kind: "invalid-stored",
          key: `implausible instant (before ${EARLIEST_PLAUSIBLE_YEAR}) in ${event.type} ${path}`,
          detail: `${event.streamId}@${event.revision} ${path} = ${JSON.stringify(value)}`,
          request,
        });
    }
  }
};

interface HealthProjection {
  name: string;
  state: string;
  failedDocuments?: number;
  failure?: { position?: number; streamId?: string; type?: string; reason?: string };
}

/** Alive, `ok`, every projection live; a failed projection is traced to the request that wrote its event. */
const judgeHealth = async (
  url: string,
  events: readonly RecordedEvent[],
  sentCommands: ReadonlyMap<string, FuzzRequest>,
  fail: (failure: Failure) => void,
) => {
  try {
    const response = await fetch(`${url}/health`);
    const body = (await response.json()) as { status?: string; projections?: HealthProjection[] };
    // ADR 7: a model serves when `ready`; one bad event fails only its document, which must not happen either.
    const notLive = (body.projections ?? []).filter(
      (p) => p.state !== "ready" || (p.failedDocuments ?? 0) > 0,
    );
    for (const projection of notLive) {
      const culprit = events.find((e) => e.position === projection.failure?.position);
      fail({
        kind: "not-alive",
        key: `projection ${projection.name} ${projection.state}`,
        detail: `/health ${response.status}: ${JSON.stringify(projection.failure ?? {})}`,
        request: culprit ? sentCommands.get(culprit.metadata.commandId) : undefined,
        status: response.status,
      });
    }
    if (notLive.length === 0 && (response.status !== 200 || body.status !== "ok"))
      fail({
        kind: "not-alive",
        key: "health after the run",
        detail: `/health ${response.status} ${JSON.stringify(body).slice(0, 600)}`,
        status: response.status,
      });
  } catch (error) {
    fail({ kind: "not-alive", key: "service unreachable after the run", detail: String(error) });
  }
};

/** Printable form of a string: hostile characters (and lone surrogates) as \uXXXX escapes, so a reader sees them. */
const visible = (value: string): string =>
  Array.from(value, (character) =>
    hostility(character) ? `\\u${(character.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}` : character,
  ).join("");

const shown = (request: FuzzRequest): string => {
  const headers = { ...request.headers };
  if (headers.authorization)
    headers.authorization = headers.authorization.replace(
      /[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g,
      "<token>",
    );
  const body =
    request.body === undefined
      ? "(none)"
      : request.body.length > 600
        ? `${visible(request.body.slice(0, 600))}… (${request.body.length} chars)`
        : visible(request.body);
  return [
    `    request #${request.index} as ${request.as} (token: ${request.as}'s) [${request.mutation}]`,
    `    ${request.method} ${request.path.length > 300 ? `${request.path.slice(0, 300)}…` : request.path}`,
    `    headers ${JSON.stringify(headers)}`,
    `    body ${body}`,
  ].join("\n");
};

/** The report printed on failure: seed, counts, and one smallest reproducing request per failure class. */
export const formatReport = (report: FuzzReport): string => {
  const statuses = [...report.statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status}×${count}`)
    .join(" ");
  const lines = [
    `fuzz seed ${report.seed}: ${report.sent} requests and ${report.replayed} after a restart (${statuses}); ${report.acknowledgedCommands} commands acknowledged, ${report.eventsWritten} events written, ${report.rebuilding} declared-rebuild 503s; ${report.failures.length} failure classes`,
    `reproduce: FUZZ_SEED=${report.seed} FUZZ_REQUESTS=${report.sent} pnpm vitest run services/coordinator/test/attack/fuzz.int.spec.ts`,
  ];
  for (const failure of report.failures) {
    lines.push(
      `  [${failure.kind}] ${failure.key}${failure.status ? ` → ${failure.status}` : ""}: ${failure.detail}`,
    );
    if (failure.request) lines.push(shown(failure.request));
  }
  return lines.join("\n");
};
