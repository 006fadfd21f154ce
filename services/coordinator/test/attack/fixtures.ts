import { rm } from "node:fs/promises";
import http from "node:http";
import { categoryOf, type RecordedEvent } from "@mtc/eventstore";
import { DEMO_PASSWORD } from "../../src/auth/users.js";
import { loadConfig } from "../../src/config.js";
import { startService } from "../../src/service.js";
import { type Harness, startHarness, testClock } from "../harness.js";

/**
 * The one fixture of the attack suites (fuzzer and authorization matrix): a real service on a real SQLite file,
 * every demo user logged in, and a few cases between different institutions whose patients' identities are
 * known, so that a response carrying them can be recognised byte for byte.
 */

/** The service's clock stands still at this instant: generated requests do not depend on the wall clock. */
export const FIXTURE_NOW = "2026-11-24T08:00:00.000Z";

export interface DemoUser {
  username: string;
  role: string;
  institutionId?: string | undefined;
  token: string;
}

/** A patient's identifiable data (姓名, 身份证号, 联系电话): any of these in a body is an identifying answer. */
export interface KnownIdentity {
  name: string;
  idCardNumber: string;
  phone: string;
}

export interface FixtureCase {
  label: string;
  caseId: string;
  referralId: string;
  transferId: string;
  /** Every institution that is a party to the case (sender and receiver of its referral and transfer). */
  parties: string[];
  identity: KnownIdentity;
}

export interface AttackFixture {
  /** The running service; replaced by `restart`. */
  harness: Harness;
  url: string;
  /** Logged in again (new tokens) by `restart`. */
  users: DemoUser[];
  cases: FixtureCase[];
  institutionIds: string[];
  ambulanceIds: string[];
  /** Log position after the fixture was written: everything after it was written by the suite's requests. */
  fixtureHead: number;
  /** Stops the service and starts it again on the same data directory: in-memory state (caches) is gone. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const DEMO_USERNAMES = [
  "clinic",
  "county",
  "centre",
  "medaffairs",
  "bloodstation",
  "dispatcher",
  "healthadmin",
  "auditor",
  "admin",
] as const;

/** GB 11643 check digit, so that fixture ID-card numbers are real-looking and valid. */
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = "10X98765432";
export const withCheckDigit = (first17: string): string => {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (ID_WEIGHTS[i] ?? 0);
  return `${first17}${ID_CHECK[sum % 11]}`;
};

/**
 * Cases between different institutions. Parties: A clinic→centre, B county→centre, C county→county hospital of
 * another county, D clinic→county. So each hospital user has own cases and foreign ones; the blood station has
 * only foreign ones.
 */
const CASE_PLAN = [
  {
    label: "A",
    from: "clinic",
    to: "jc_mch_rescue_centre",
    name: "欧阳秀兰",
    birth: "19950312",
    phone: "13700001101",
  },
  {
    label: "B",
    from: "county",
    to: "jc_mch_rescue_centre",
    name: "司马丽娟",
    birth: "19920607",
    phone: "13700001102",
  },
  { label: "C", from: "county", to: "lj_mch", name: "诸葛春梅", birth: "19980921", phone: "13700001103" },
  { label: "D", from: "clinic", to: "qc_mch", name: "上官玉珍", birth: "19900115", phone: "13700001104" },
] as const;

export interface RawRequest {
  method: string;
  /** Already percent-encoded path and query. */
  path: string;
  headers: Record<string, string>;
  body?: string | undefined;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * Requests after which a server may rightly close the connection (an oversized body it will not read, an
 * oversized URL, an unusual method): these go on a connection of their own, so that a keep-alive race is not
 * mistaken for a failure of the service.
 */
const mayEndConnection = (request: RawRequest): boolean =>
  (request.body?.length ?? 0) > 32_000 ||
  request.path.length > 4_000 ||
  !["GET", "POST"].includes(request.method);

/** A keep-alive HTTP client that sends exactly what it is given (no client-side validation of bodies). */
export const rawClient = (baseUrl: string, connections: number) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const { hostname, port } = new URL(baseUrl);
  const once = (request: RawRequest, alone: boolean): Promise<RawResponse> =>
    new Promise((resolve, reject) => {
      const outgoing = http.request(
        {
          host: hostname,
          port,
          method: request.method,
          path: request.path,
          headers: {
            ...request.headers,
            // Node sends no length for a body on GET, HEAD or OPTIONS unless told: the server would read it as
            // the next request.
            ...(request.body !== undefined
              ? { "content-length": String(Buffer.byteLength(request.body)) }
              : {}),
            ...(alone ? { connection: "close" } : {}),
          },
          agent: alone ? false : agent,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.on("error", reject);
          incoming.on("end", () =>
            resolve({
              status: incoming.statusCode ?? 0,
              headers: incoming.headers,
              text: Buffer.concat(chunks).toString("utf8"),
            }),
          );
        },
      );
      outgoing.on("error", reject);
      outgoing.end(request.body);
    });
  /** A kept-alive socket that the server closed meanwhile fails the request: it is retried once on its own. */
  const send = async (request: RawRequest): Promise<RawResponse> => {
    const alone = mayEndConnection(request);
    try {
      return await once(request, alone);
    } catch (error) {
      if (alone) throw error;
      return once(request, true);
    }
  };
  return { send, close: () => agent.destroy() };
};

export type RawClient = ReturnType<typeof rawClient>;

const json = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const fieldOf = (value: unknown, key: string): unknown =>
  value !== null && typeof value === "object" ? (value as Record<string, unknown>)[key] : undefined;

/** Every event appended after `after`, read page by page from the store itself. */
export const eventsAfter = async (harness: Harness, after: number): Promise<RecordedEvent[]> => {
  const events: RecordedEvent[] = [];
  let from = after;
  for (;;) {
    const page = await harness.service.store.readAll({ after: from, maxCount: 5_000 });
    events.push(...page);
    const last = page.at(-1);
    if (!last || page.length < 5_000) return events;
    from = last.position;
  }
};

export const headPosition = (harness: Harness): Promise<number> => harness.service.store.headPosition();

/** The category of the streams that commands write (referral-…, transfer-…, mdt-…); all others are read or audit records. */
export const isCommandStream = (streamId: string): boolean =>
  ["referral", "transfer", "mdt"].includes(categoryOf(streamId));

const callerOf =
  (client: RawClient) =>
  async (method: string, path: string, token?: string, body?: unknown, key?: string) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    if (key) headers["idempotency-key"] = key;
    const answer = await client.send({
      method,
      path,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: answer.status, body: json(answer.text) };
  };

const logInAll = async (url: string): Promise<DemoUser[]> => {
  const client = rawClient(url, 1);
  const call = callerOf(client);
  const users: DemoUser[] = [];
  for (const username of DEMO_USERNAMES) {
    const login = await call("POST", "/api/auth/login", undefined, { username, password: DEMO_PASSWORD });
    const token = fieldOf(login.body, "token");
    const user = fieldOf(login.body, "user");
    if (login.status !== 200 || typeof token !== "string")
      throw new Error(`login ${username}: ${login.status}`);
    const institutionId = fieldOf(user, "institutionId");
    users.push({
      username,
      role: String(fieldOf(user, "role")),
      institutionId: typeof institutionId === "string" ? institutionId : undefined,
      token,
    });
  }
  client.close();
  return users;
};

export const startAttackFixture = async (): Promise<AttackFixture> => {
  const clock = testClock(FIXTURE_NOW);
  const harness = await startHarness(clock);
  const url = harness.service.url;
  const client = rawClient(url, 4);
  const call = callerOf(client);
  const users = await logInAll(url);
  const userNamed = (name: string): DemoUser => {
    const found = users.find((u) => u.username === name);
    if (!found) throw new Error(`no demo user ${name}`);
    return found;
  };

  const reference = (await call("GET", "/api/reference", userNamed("admin").token)).body;
  const idsOf = (key: string): string[] => {
    const list = fieldOf(reference, key);
    return Array.isArray(list) ? list.map((item) => String(fieldOf(item, "id"))) : [];
  };

  const cases: FixtureCase[] = [];
  let serial = 0;
  const created = async (path: string, user: DemoUser, body: Record<string, unknown>) => {
    const answer = await call("POST", path, user.token, body, `fixture-${++serial}-${user.username}`);
    const id = fieldOf(answer.body, "id");
    const caseId = fieldOf(answer.body, "caseId");
    if (answer.status !== 201 || typeof id !== "string" || typeof caseId !== "string") {
      throw new Error(`fixture ${path} as ${user.username}: ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    return { id, caseId };
  };
  for (const plan of CASE_PLAN) {
    const sender = userNamed(plan.from);
    const from = sender.institutionId as string;
    const identity: KnownIdentity = {
      name: plan.name,
      idCardNumber: withCheckDigit(`510802${plan.birth}123`),
      phone: plan.phone,
    };
    // The server owns case ids (issue 8 finding 1): a new referral opens a case and its answer names it.
    const referral = await created("/api/referrals", sender, {
      patientKind: "maternal",
      patient: identity,
      gestationalWeeks: 34,
      riskGrade: "red",
      urgency: "emergency",
      reasons: ["产前出血"],
      clinicalSummary: "孕34周阴道出血",
      fromInstitutionId: from,
      toInstitutionId: plan.to,
      requestedBy: "李医生",
      occurredAt: FIXTURE_NOW,
    });
    const { caseId } = referral;
    // The sender is party to its own case, so linking the transfer to it is allowed.
    const transfer = await created("/api/transfers", sender, {
      caseId,
      referralId: referral.id,
      patientKind: "maternal",
      patient: identity,
      riskGrade: "red",
      originInstitutionId: from,
      destinationInstitutionId: plan.to,
      veryCritical: true,
      clinicalSummary: "活动性出血",
      requestedBy: "李医生",
      occurredAt: FIXTURE_NOW,
    });
    cases.push({
      label: plan.label,
      caseId,
      referralId: referral.id,
      transferId: transfer.id,
      parties: [from, plan.to],
      identity,
    });
  }
  client.close();
  const fixtureHead = await headPosition(harness);
  const fixture: AttackFixture = {
    harness,
    url,
    users,
    cases,
    institutionIds: idsOf("institutions"),
    ambulanceIds: idsOf("ambulances"),
    fixtureHead,
    restart: async () => {
      const { dataDir } = fixture.harness;
      await fixture.harness.service.close();
      const config = loadConfig({ MTC_MODE: "demo", PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "silent" });
      const service = await startService(config, { clock });
      fixture.harness = {
        service,
        dataDir,
        stop: async () => {
          await service.close();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
      fixture.url = service.url;
      fixture.users = await logInAll(service.url);
    },
    stop: () => fixture.harness.stop(),
  };
  return fixture;
};

/** Characters that must never reach the permanent record (issue 8 finding 4); newline is allowed in long text. */
const isHostileCodePoint = (c: number): boolean =>
  (c <= 0x1f && c !== 0x0a) ||
  (c >= 0x7f && c <= 0x9f) ||
  (c >= 0x200b && c <= 0x200d) ||
  (c >= 0x202a && c <= 0x202e) ||
  c === 0x2060 ||
  (c >= 0x2066 && c <= 0x2069) ||
  c === 0xfeff;

/** What is hostile about a stored string, or undefined. */
export const hostility = (value: string): string | undefined => {
  for (const character of value) {
    const c = character.codePointAt(0) ?? 0;
    // Iterating by code point leaves a surrogate alone only when it has no partner.
    if (c >= 0xd800 && c <= 0xdfff) return "lone surrogate";
    if (isHostileCodePoint(c)) return `U+${c.toString(16).toUpperCase().padStart(4, "0")}`;
  }
  return undefined;
};

/** Every string inside a value with its path, for scanning stored events. */
export const stringsIn = function* (value: unknown, path = ""): Generator<[string, string]> {
  if (typeof value === "string") yield [path, value];
  else if (Array.isArray(value))
    for (const [i, item] of value.entries()) yield* stringsIn(item, `${path}[${i}]`);
  else if (value !== null && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      yield [`${path}.<key>`, key];
      yield* stringsIn(inner, path ? `${path}.${key}` : key);
    }
  }
};

/** The fixture identity values found in a response body, if any (name, ID-card number or phone, verbatim). */
export const identitiesIn = (text: string, cases: readonly FixtureCase[]): FixtureCase[] =>
  cases.filter(
    ({ identity }) =>
      text.includes(identity.name) || text.includes(identity.idCardNumber) || text.includes(identity.phone),
  );
