import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Institution, ReferenceData } from "@mtc/domain";
import { categoryOf, type RecordedEvent } from "@mtc/eventstore";
import Database from "better-sqlite3";
import type { Logger } from "pino";
import { WebSocket } from "ws";
import { DEMO_PASSWORD } from "../src/auth/users.js";
import { loadConfig } from "../src/config.js";
import { BOARD_PROTOCOL } from "../src/feed/boardFeed.js";
import { type RunningService, startService } from "../src/service.js";

/** A settable clock: tests move time forward so that recordedAt values are distinct and known. */
export const testClock = (start: string) => {
  let now = Date.parse(start);
  const clock = () => new Date(now);
  return Object.assign(clock, {
    advance: (minutes: number) => {
      now += minutes * 60_000;
      return new Date(now).toISOString();
    },
    iso: () => new Date(now).toISOString(),
  });
};

export interface Harness {
  service: RunningService;
  dataDir: string;
  stop(): Promise<void>;
}

/** The real service on a real SQLite file in a temp dir, listening on a free loopback port, demo accounts. */
export const startHarness = async (
  clock?: () => Date,
  env: Record<string, string> = {},
  logger?: Logger,
): Promise<Harness> => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "mtc-test-"));
  const config = loadConfig({ MTC_MODE: "demo", PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "silent", ...env });
  const service = await startService(config, { ...(clock ? { clock } : {}), ...(logger ? { logger } : {}) });
  return {
    service,
    dataDir,
    stop: async () => {
      await service.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
};

export interface ApiAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: a test client; answers are asserted field by field
  body: any;
}

let keyCounter = 0;
export const newKey = (): string => `key-${process.pid}-${Date.now()}-${++keyCounter}`;

/** A logged-in user talking to the service over real HTTP. */
export const apiClient = async (baseUrl: string, username: string) => {
  const login = await fetch(`${baseUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`login ${username}: ${login.status} ${await login.text()}`);
  const { token, user } = (await login.json()) as { token: string; user: { institutionId?: string } };
  const call = async (
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiAnswer> => {
    const response = await fetch(`${baseUrl}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    token,
    institutionId: user.institutionId,
    get: (url: string) => call("GET", url),
    command: (url: string, body: unknown, key: string = newKey()) =>
      call("POST", url, body, { "idempotency-key": key }),
    raw: call,
  };
};

export type ApiClient = Awaited<ReturnType<typeof apiClient>>;

export const institutionOfKind = (region: ReferenceData, kind: Institution["kind"]): Institution => {
  const found = region.institutions.find((i) => i.kind === kind);
  if (!found) throw new Error(`no ${kind} in the demo region`);
  return found;
};

export interface BoardMessage {
  type: "snapshot" | "change" | "caught_up" | "heartbeat";
  position: number;
  items?: { id: string; [key: string]: unknown }[];
  itemId?: string;
  item?: Record<string, unknown> | null;
}

/** A `changes` message (several changes sent together) is recorded as its `change` messages, in order. */
const unbatch = (message: BoardMessage & { changes?: BoardMessage[] }): BoardMessage[] =>
  (message.type as string) === "changes"
    ? (message.changes ?? []).map((change) => ({ ...change, type: "change" as const }))
    : [message];

/**
 * A real WebSocket client of the board feed (or of another feed of the same protocol, `/ws/arrivals`) that
 * records every message with its arrival time.
 */
export const boardClient = async (baseUrl: string, token: string, after?: number, feedPath = "/ws/board") => {
  const url = `${baseUrl.replace("http", "ws")}${feedPath}${after !== undefined ? `?after=${after}` : ""}`;
  const socket = new WebSocket(url, [BOARD_PROTOCOL, `bearer.${token}`]);
  const messages: (BoardMessage & { receivedAt: number })[] = [];
  const waiters: { test: (m: BoardMessage) => boolean; resolve: (m: BoardMessage) => void }[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once("close", (code, reason) => resolve({ code, reason: String(reason) })),
  );
  socket.on("message", (raw) => {
    const receivedAt = Date.now();
    for (const one of unbatch(JSON.parse(String(raw)))) {
      const message = { ...one, receivedAt };
      messages.push(message);
      for (const w of [...waiters]) {
        if (w.test(message)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(message);
        }
      }
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  return {
    socket,
    messages,
    next: (test: (m: BoardMessage) => boolean, timeoutMs = 5_000) =>
      new Promise<BoardMessage>((resolve, reject) => {
        const seen = messages.find(test);
        if (seen) return resolve(seen);
        const timer = setTimeout(() => reject(new Error("no matching board message in time")), timeoutMs);
        waiters.push({
          test,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      }),
    /** The close code and reason, once the connection has closed. */
    closed,
    close: () => socket.close(),
  };
};

/**
 * Tampers with the log behind the service's back, as an intruder with file access would: the first referral
 * event's data has `from` replaced by `to`. Returns the position edited (the hash chain must name it).
 */
export const tamperWithFirstReferral = (dataDir: string, from: string, to: string): number => {
  const db = new Database(path.join(dataDir, "events.db"));
  try {
    const { position } = db
      .prepare<[], { position: number }>(
        "SELECT MIN(position) AS position FROM events WHERE stream_id LIKE 'referral-%'",
      )
      .get() as { position: number };
    db.prepare("UPDATE events SET data = replace(data, ?, ?) WHERE position = ?").run(from, to, position);
    return position;
  } finally {
    db.close();
  }
};

/**
 * Events in the log other than the service's own integrity bookkeeping (signed chain heads, alarms), which it
 * appends in the background whenever its walk reaches a head: for checks that a request wrote nothing.
 */
export const writtenEvents = async (service: RunningService): Promise<RecordedEvent[]> =>
  (await service.store.readAll({ maxCount: 100_000 })).filter((e) => categoryOf(e.streamId) !== "integrity");
