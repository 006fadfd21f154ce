import type { RecordedEvent } from "@mtc/eventstore";
import fc from "fast-check";
import { boardClient } from "../harness.js";
import {
  type AttackFixture,
  type DemoUser,
  eventsAfter,
  FIXTURE_NOW,
  type FixtureCase,
  headPosition,
  identitiesIn,
  isCommandStream,
  rawClient,
} from "./fixtures.js";
import {
  collectionOf,
  fetchOpenApi,
  type Operation,
  operationsOf,
  type Vocabulary,
  validValue,
} from "./openapi.js";

/**
 * The authorization matrix of issue 8 ("Standing suites"): every route of the OpenAPI document × every demo user ×
 * own / foreign / unknown resource. Pass: a foreign resource answers exactly like an unknown one; roles that see
 * identities masked never receive one; hospitals never receive the identity of a case they are not party to;
 * auditors never write; every answer that carries a patient's identity is covered by an access record naming the
 * case (issue 8 finding 6, services/coordinator/src/access/accessLog.ts).
 */

/** Issue 8: the dispatcher (120) and the blood station see identities masked. */
const MASKED_ROLES = new Set(["dispatcher", "blood_station"]);
/** Roles bound to one institution: for them "foreign" means a case their institution is not party to. */
const INSTITUTION_ROLES = new Set(["hospital_staff", "medical_affairs", "blood_station"]);
const UNKNOWN_ID = "NoSuchRecord0001";
const UNKNOWN_INSTITUTION = "no_such_institution";

export type Scope = "own" | "foreign" | "unknown" | "all";

export interface Violation {
  kind:
    | "5xx"
    | "foreign differs from unknown"
    | "joined a foreign case"
    | "identity to a masked role"
    | "identity of a foreign case"
    | "auditor wrote"
    | "identity read not recorded";
  route: string;
  user: string;
  role: string;
  scope: Scope;
  detail: string;
  method: string;
  path: string;
  body?: string | undefined;
  status: number;
}

interface Cell {
  row: string;
  user: string;
  scope: Scope;
  status: number;
  violated: boolean;
}

export interface MatrixReport {
  requests: number;
  cells: Cell[];
  violations: Violation[];
}

interface Probe {
  row: string;
  operation: Operation;
  user: DemoUser;
  scope: Scope;
  method: string;
  path: string;
  body?: string | undefined;
  /** Ids put into the request; answers are compared with these replaced by a placeholder. */
  ids: string[];
}

/** Institutions party to a fixture case, read off its own referral and transfer streams (joins do not count). */
const legitimateParties = async (fixture: AttackFixture, fixtureCase: FixtureCase): Promise<Set<string>> => {
  const parties = new Set<string>();
  for (const stream of [`referral-${fixtureCase.referralId}`, `transfer-${fixtureCase.transferId}`]) {
    for await (const event of fixture.harness.service.store.readStream(stream)) {
      for (const [key, value] of Object.entries(event.data as Record<string, unknown>)) {
        if ((/institutionId$/i.test(key) || key === "redirectTo") && typeof value === "string")
          parties.add(value);
      }
    }
  }
  return parties;
};

/**
 * The reader's own access trail (`access-<userId>`, `PatientDataRead` events) since the fixture was written. A read
 * is covered by the latest record of its route: written by this request, or earlier when the board was re-read
 * with the same cases within ACCESS_RECORD_REPEAT_MINUTES.
 */
const accessTrail = async (fixture: AttackFixture, user: DemoUser): Promise<RecordedEvent[]> => {
  const trail: RecordedEvent[] = [];
  for await (const event of fixture.harness.service.store.readStream(`access-${user.username}`))
    if (event.position > fixture.fixtureHead && event.type === "PatientDataRead") trail.push(event);
  return trail;
};

interface ReadRecord {
  kind?: string;
  caseIds?: string[];
  route?: string;
  from?: string;
}

/** The cases the latest record of this route names, if it says who (user, role, institution) and from where. */
const coveredCases = (
  trail: readonly RecordedEvent[],
  user: DemoUser,
  route: string,
): ReadonlySet<string> => {
  const declared = route.replace(/\{(\w+)\}/g, ":$1");
  const latest = trail.filter((e) => (e.data as ReadRecord).route === declared).at(-1);
  if (!latest) return new Set();
  const { actor } = latest.metadata;
  const data = latest.data as ReadRecord;
  const who = actor.role === user.role && (actor.institutionId ?? undefined) === user.institutionId;
  return who && typeof data.from === "string" && data.from !== "" && typeof data.kind === "string"
    ? new Set(data.caseIds ?? [])
    : new Set();
};

const normalised = (text: string, ids: readonly string[]): string =>
  ids.reduce((acc, id) => (id ? acc.replaceAll(id, "{id}") : acc), text);

const bodyKeys = (operation: Operation): Set<string> =>
  new Set(Object.keys(operation.body?.properties ?? {}));

export const runAuthorizationMatrix = async (fixture: AttackFixture): Promise<MatrixReport> => {
  const operations = operationsOf(await fetchOpenApi(fixture.url)).filter(
    (op) => op.template !== "/api/auth/login",
  );
  const vocabulary: Vocabulary = {
    caseIds: fixture.cases.map((c) => c.caseId),
    referralIds: fixture.cases.map((c) => c.referralId),
    transferIds: fixture.cases.map((c) => c.transferId),
    institutionIds: fixture.institutionIds,
    ambulanceIds: fixture.ambulanceIds,
    usernames: fixture.users.map((u) => u.username),
  };
  const validBody = (operation: Operation): Record<string, unknown> | undefined => {
    if (!operation.body) return undefined;
    const [sample] = fc.sample(validValue(operation.body, "body", vocabulary), { seed: 8, numRuns: 1 });
    const body = { ...(sample as Record<string, unknown>) };
    for (const key of Object.keys(body)) if (/At$/.test(key)) body[key] = FIXTURE_NOW;
    return body;
  };
  const parties = new Map<string, Set<string>>();
  for (const c of fixture.cases) parties.set(c.caseId, await legitimateParties(fixture, c));
  const isParty = (user: DemoUser, c: FixtureCase) =>
    user.institutionId !== undefined && (parties.get(c.caseId)?.has(user.institutionId) ?? false);
  const ownCase = (user: DemoUser): FixtureCase | undefined =>
    INSTITUTION_ROLES.has(user.role) ? fixture.cases.find((c) => isParty(user, c)) : fixture.cases[0];
  const foreignCase = (user: DemoUser): FixtureCase | undefined =>
    INSTITUTION_ROLES.has(user.role) ? fixture.cases.find((c) => !isParty(user, c)) : undefined;

  const idOf = (c: FixtureCase, collection: string | undefined): string =>
    collection === "referrals"
      ? c.referralId
      : collection === "transfers" || collection === "arrivals"
        ? c.transferId
        : c.caseId;

  const probesFor = (operation: Operation, user: DemoUser): Probe[] => {
    const route = `${operation.method} ${operation.template}`;
    const template = operation.template;
    const pathParameter = operation.parameters.find((p) => p.in === "path");
    const body = validBody(operation);
    const text = (value: Record<string, unknown> | undefined) => (value ? JSON.stringify(value) : undefined);
    const scoped = (
      row: string,
      scope: Scope,
      path: string,
      value: Record<string, unknown> | undefined,
      ids: string[],
    ) =>
      ({
        row,
        operation,
        user,
        scope,
        method: operation.method,
        path,
        body: text(value),
        ids,
      }) satisfies Probe;

    if (pathParameter) {
      const collection = collectionOf(template, pathParameter.name);
      const at = (id: string) => template.replace(`{${pathParameter.name}}`, id);
      const probes: Probe[] = [];
      const own = ownCase(user);
      const foreign = foreignCase(user);
      if (own) probes.push(scoped(route, "own", at(idOf(own, collection)), body, [idOf(own, collection)]));
      if (foreign)
        probes.push(
          scoped(route, "foreign", at(idOf(foreign, collection)), body, [idOf(foreign, collection)]),
        );
      probes.push(scoped(route, "unknown", at(UNKNOWN_ID), body, [UNKNOWN_ID]));
      return probes;
    }
    if (!body) return [scoped(route, "all", template, undefined, [])];

    // A creation: who it is sent for (the sender institution), and which existing case it is linked to.
    const keys = bodyKeys(operation);
    // Off-protocol arrivals name where she arrived (`institutionId`) and, optionally, where she came from.
    const senderKey = ["institutionId", "fromInstitutionId", "originInstitutionId"].find((k) => keys.has(k));
    const probes: Probe[] = [];
    const own = ownCase(user);
    const ownInstitution = user.institutionId ?? own?.parties[0];
    if (senderKey && ownInstitution) {
      const foreignInstitution = fixture.cases
        .flatMap((c) => c.parties)
        .find((i) => i !== ownInstitution && i !== user.institutionId);
      const withSender = (institution: string) => ({ ...body, [senderKey]: institution });
      const row = `${route} [sender]`;
      probes.push(scoped(row, "own", template, withSender(ownInstitution), []));
      if (INSTITUTION_ROLES.has(user.role) && foreignInstitution)
        probes.push(scoped(row, "foreign", template, withSender(foreignInstitution), [foreignInstitution]));
      probes.push(scoped(row, "unknown", template, withSender(UNKNOWN_INSTITUTION), [UNKNOWN_INSTITUTION]));
    }
    const links = ["caseId", "referralId"].filter((k) => keys.has(k));
    const foreign = foreignCase(user);
    if (links.length > 0 && senderKey && user.institutionId && own && foreign) {
      // Linking a new record to an existing case (issue 8 finding 1): a foreign case must answer like none.
      const linked = (c: FixtureCase | undefined, unknownId: string) => {
        const value: Record<string, unknown> = { ...body, [senderKey]: user.institutionId };
        if (keys.has("caseId")) value.caseId = c ? c.caseId : unknownId;
        if (keys.has("referralId")) value.referralId = c ? c.referralId : unknownId;
        return value;
      };
      const row = `${route} [case]`;
      const fresh = `${UNKNOWN_ID}${user.username}${operation.operationId ?? ""}`.slice(0, 60);
      probes.push(scoped(row, "own", template, linked(own, ""), []));
      probes.push(
        scoped(row, "foreign", template, linked(foreign, ""), [foreign.caseId, foreign.referralId]),
      );
      probes.push(scoped(row, "unknown", template, linked(undefined, fresh), [fresh]));
    }
    if (probes.length === 0) probes.push(scoped(route, "all", template, body, []));
    return probes;
  };

  const client = rawClient(fixture.url, 1);
  const cells: Cell[] = [];
  const violations: Violation[] = [];
  let requests = 0;
  let serial = 0;

  const send = async (probe: Probe) => {
    const headers: Record<string, string> = { authorization: `Bearer ${probe.user.token}` };
    if (probe.body !== undefined) headers["content-type"] = "application/json";
    if (probe.operation.parameters.some((p) => p.name === "idempotency-key"))
      headers["idempotency-key"] = `authz-${++serial}-${probe.user.username}`;
    const before = await headPosition(fixture.harness);
    const response = await client.send({ method: probe.method, path: probe.path, headers, body: probe.body });
    requests++;
    const written = await eventsAfter(fixture.harness, before);
    return { response, written, trail: await accessTrail(fixture, probe.user) };
  };

  const violation = (probe: Probe, status: number, kind: Violation["kind"], detail: string): Violation => ({
    kind,
    route: probe.row,
    user: probe.user.username,
    role: probe.user.role,
    scope: probe.scope,
    detail,
    method: probe.method,
    path: probe.path,
    body: probe.body,
    status,
  });

  // Commands first, then reads: a command that joined a foreign case shows up as a leak in the reads after it.
  const ordered = [
    ...operations.filter((op) => op.method !== "GET"),
    ...operations.filter((op) => op.method === "GET"),
  ];
  /** The answer to compare (status, and for refusals the body with the request's ids blanked) and what it broke. */
  const judge = async (probe: Probe): Promise<{ answer: string; found: Violation[] }> => {
    const { response, written, trail } = await send(probe);
    return evaluate(probe, response, written, trail);
  };

  const evaluate = (
    probe: Probe,
    response: { status: number; text: string },
    written: RecordedEvent[],
    trail: RecordedEvent[],
  ): { answer: string; found: Violation[] } => {
    const { user } = probe;
    const found: Violation[] = [];
    const flag = (kind: Violation["kind"], detail: string) =>
      found.push(violation(probe, response.status, kind, detail));
    const ok = response.status >= 200 && response.status < 300;
    if (response.status >= 500) flag("5xx", response.text.slice(0, 200));
    if (ok && probe.row.endsWith("[case]") && probe.scope === "foreign")
      flag("joined a foreign case", "a new record was linked to a case the sender is not party to");
    if (user.role === "auditor" && probe.method !== "GET" && probe.method !== "WS") {
      const commandEvents = written.filter((e) => isCommandStream(e.streamId));
      if (ok || commandEvents.length > 0) flag("auditor wrote", `${commandEvents.length} events written`);
    }
    const identities = identitiesIn(response.text, fixture.cases);
    const labels = (cases: readonly FixtureCase[]) => cases.map((c) => c.label).join(",");
    if (identities.length > 0 && MASKED_ROLES.has(user.role))
      flag("identity to a masked role", `patient of case ${labels(identities)} in clear`);
    const foreign = identities.filter((c) => INSTITUTION_ROLES.has(user.role) && !isParty(user, c));
    if (foreign.length > 0)
      flag("identity of a foreign case", `patient of case ${labels(foreign)}, not a party`);
    if (identities.length > 0 && ok) {
      const covered = coveredCases(trail, user, `${probe.method} ${probe.operation.template}`);
      const unrecorded = identities.filter((c) => !covered.has(c.caseId));
      if (unrecorded.length > 0)
        flag(
          "identity read not recorded",
          `identity of case ${labels(unrecorded)} answered; no access record names it`,
        );
    }
    // Two acknowledged commands differ in their ids and positions only; refusals must match word for word.
    return {
      answer: ok ? `${response.status}` : `${response.status} ${normalised(response.text, probe.ids)}`,
      found,
    };
  };

  for (const operation of ordered) {
    for (const user of fixture.users) {
      const probes = probesFor(operation, user);
      for (const row of new Set(probes.map((p) => p.row))) {
        const judged = new Map<Scope, { probe: Probe; answer: string; found: Violation[] }>();
        for (const probe of probes.filter((p) => p.row === row))
          judged.set(probe.scope, { probe, ...(await judge(probe)) });
        const foreign = judged.get("foreign");
        const unknown = judged.get("unknown");
        if (foreign && unknown && foreign.answer !== unknown.answer)
          foreign.found.push(
            violation(
              foreign.probe,
              Number(foreign.answer.slice(0, 3)),
              "foreign differs from unknown",
              `foreign: ${foreign.answer.slice(0, 160)} | unknown: ${unknown.answer.slice(0, 160)}`,
            ),
          );
        for (const [scope, { answer, found }] of judged) {
          violations.push(...found);
          cells.push({
            row,
            user: user.username,
            scope,
            status: Number(answer.slice(0, 3)),
            violated: found.length > 0,
          });
        }
      }
    }
  }
  // The board feed's snapshot carries identities like GET /api/board does (issue 8 finding 6): same judges.
  const feed: Operation = { method: "WS", template: "/ws/board", parameters: [] };
  for (const user of fixture.users) {
    const probe: Probe = {
      row: "WS /ws/board snapshot",
      operation: feed,
      user,
      scope: "all",
      method: "WS",
      path: "/ws/board",
      ids: [],
    };
    const before = await headPosition(fixture.harness);
    const board = await boardClient(fixture.url, user.token);
    const snapshot = await board.next((m) => m.type === "snapshot");
    board.close();
    requests++;
    const written = await eventsAfter(fixture.harness, before);
    const trail = await accessTrail(fixture, user);
    const { found } = evaluate(probe, { status: 200, text: JSON.stringify(snapshot) }, written, trail);
    violations.push(...found);
    cells.push({
      row: probe.row,
      user: user.username,
      scope: "all",
      status: 200,
      violated: found.length > 0,
    });
  }
  client.close();
  return { requests, cells, violations };
};

/** The matrix as a compact table (statuses own·foreign·unknown, `!` marks a violation) and one line per class. */
export const formatMatrix = (report: MatrixReport, users: readonly DemoUser[]): string => {
  const rows = [...new Set(report.cells.map((c) => c.row))];
  const width = Math.max(...rows.map((r) => r.length));
  const columns = users.map((u) => u.username);
  const cellText = (row: string, user: string): string => {
    const mine = report.cells.filter((c) => c.row === row && c.user === user);
    if (mine.length === 0) return "-";
    const order: Scope[] = ["own", "foreign", "unknown", "all"];
    return order
      .flatMap((scope) => mine.filter((c) => c.scope === scope))
      .map((c) => `${c.status}${c.violated ? "!" : ""}`)
      .join("·");
  };
  const pad = (s: string, n: number) => s + " ".repeat(Math.max(0, n - s.length));
  const lines = [
    `authorization matrix: ${report.requests} requests, ${report.violations.length} violations (cells: own·foreign·unknown, ! = violation)`,
    `${pad("route", width)} | ${columns.map((c) => pad(c, 16)).join(" ")}`,
    ...rows.map((row) => `${pad(row, width)} | ${columns.map((c) => pad(cellText(row, c), 16)).join(" ")}`),
    "violations: the first of each kind for each role, then how many more",
  ];
  const groups = new Map<string, Violation[]>();
  for (const v of report.violations) {
    const key = `${v.kind}|${v.role}`;
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  for (const [, [first, ...more]] of groups) {
    if (!first) continue;
    const routes = new Set(more.map((v) => v.route).filter((r) => r !== first.route));
    lines.push(
      `  [${first.kind}] ${first.route} as ${first.user} (${first.role}), ${first.scope} → ${first.status}: ${first.detail}`,
      `      ${first.method} ${first.path}${first.body ? ` ${first.body.length > 300 ? `${first.body.slice(0, 300)}…` : first.body}` : ""}`,
    );
    if (more.length > 0) lines.push(`      and ${more.length} more on ${routes.size} other routes`);
  }
  return lines.join("\n");
};
