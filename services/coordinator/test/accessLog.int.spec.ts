import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openSqliteEventStore, type RecordedEvent, type SqliteEventStoreOptions } from "@mtc/eventstore";
import { readModelFile } from "@mtc/projections";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { loadConfig } from "../src/config.js";
import { BOARD_PROTOCOL } from "../src/feed/boardFeed.js";
import { type RunningService, startService } from "../src/service.js";
import { withCheckDigit } from "./attack/fixtures.js";
import { type ApiClient, apiClient, boardClient, testClock } from "./harness.js";

/**
 * Issue 8 finding 6: every answer carrying a patient's identity is recorded first, as a `PatientDataRead` in the
 * reader's stream `access-<userId>` (who, what, which cases, from where, asOf); masked roles' reads carry none and
 * are not recorded; a polled board is recorded once per case set and interval; when the record cannot be written
 * the read answers 503 and sends nothing identifiable; reading the access log is itself recorded. Real SQLite
 * file, real HTTP server, real WebSocket clients.
 */

type Connection = Parameters<NonNullable<SqliteEventStoreOptions["onConnection"]>>[0];

const dataDir = mkdtempSync(path.join(os.tmpdir(), "mtc-access-"));
const clock = testClock("2026-11-24T09:00:00.000Z");
const identity = {
  name: "皇甫秋月",
  idCardNumber: withCheckDigit("51080219930405123"),
  phone: "13700002201",
};
const other = { name: "公孙晓雯", idCardNumber: withCheckDigit("51080219940506123"), phone: "13700002202" };

let service: RunningService;
let connection: Connection;
const users: Record<string, ApiClient> = Object.create(null);
let caseId = "";
let transferId = "";

const user = (name: string): ApiClient => {
  const found = users[name];
  if (!found) throw new Error(`not logged in: ${name}`);
  return found;
};

const referral = (patient: typeof identity) => ({
  patientKind: "maternal",
  patient,
  gestationalWeeks: 34,
  riskGrade: "red",
  urgency: "emergency",
  reasons: ["产前出血"],
  clinicalSummary: "孕34周阴道出血",
  fromInstitutionId: user("clinic").institutionId,
  toInstitutionId: user("centre").institutionId,
  requestedBy: "李医生",
  occurredAt: clock.iso(),
});

beforeAll(async () => {
  const config = loadConfig({ MTC_MODE: "demo", PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "silent" });
  const store = openSqliteEventStore({
    path: path.join(dataDir, "events.db"),
    clock,
    onConnection: (db) => {
      connection = db;
    },
  });
  service = await startService(config, { clock, store });
  for (const name of ["clinic", "centre", "county", "dispatcher", "bloodstation", "auditor", "medaffairs"])
    users[name] = await apiClient(service.url, name);
  const created = await user("clinic").command("/api/referrals", referral(identity));
  expect(created.status).toBe(201);
  caseId = created.body.caseId;
  const transfer = await user("clinic").command("/api/transfers", {
    caseId,
    referralId: created.body.id,
    patientKind: "maternal",
    patient: identity,
    riskGrade: "red",
    originInstitutionId: user("clinic").institutionId,
    destinationInstitutionId: user("centre").institutionId,
    veryCritical: true,
    clinicalSummary: "活动性出血",
    requestedBy: "李医生",
    occurredAt: clock.iso(),
  });
  expect(transfer.status).toBe(201);
  transferId = transfer.body.id;
});

afterAll(async () => {
  await service?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The reader's own trail, oldest first. */
const trail = async (username: string): Promise<RecordedEvent[]> => {
  const events: RecordedEvent[] = [];
  for await (const event of service.store.readStream(`access-${username}`)) events.push(event);
  return events;
};

/** Runs a read and returns the access records it added to the reader's trail. */
const recordedBy = async (username: string, read: () => Promise<unknown>): Promise<RecordedEvent[]> => {
  const before = (await trail(username)).length;
  await read();
  return (await trail(username)).slice(before);
};

/** A read over real HTTP, answered 200; CSV as text, JSON parsed. */
const get = async (username: string, url: string) => {
  const response = await fetch(`${service.url}${url}`, {
    headers: { authorization: `Bearer ${user(username).token}` },
  });
  const text = await response.text();
  expect(response.status, `${url} ${text.slice(0, 200)}`).toBe(200);
  const json = (response.headers.get("content-type") ?? "").includes("json");
  return { text, body: json ? JSON.parse(text) : undefined };
};

const openFeed = async (username: string) => {
  const board = await boardClient(service.url, user(username).token);
  await board.next((m) => m.type === "snapshot");
  board.close();
  // Closed on both sides: a change broadcast afterwards is neither sent to it nor recorded for it.
  await board.closed;
};

describe("every read of patient data is recorded first (issue 8 finding 6)", () => {
  const reads: { kind: string; route: string; url: () => string; asOf?: string }[] = [
    { kind: "timeline", route: "GET /api/cases/:id/timeline", url: () => `/api/cases/${caseId}/timeline` },
    {
      kind: "timeline",
      route: "GET /api/cases/:id/timeline",
      url: () => `/api/cases/${caseId}/timeline?asOf=2026-11-24T09:30:00.000Z`,
      asOf: "2026-11-24T09:30:00.000Z",
    },
    {
      kind: "timeline_csv",
      route: "GET /api/cases/:id/timeline.csv",
      url: () => `/api/cases/${caseId}/timeline.csv`,
    },
    {
      kind: "transfer_record",
      route: "GET /api/transfers/:id/record",
      url: () => `/api/transfers/${transferId}/record`,
    },
    { kind: "case_export", route: "GET /api/cases/:id/export", url: () => `/api/cases/${caseId}/export` },
    { kind: "case_search", route: "GET /api/cases", url: () => `/api/cases?caseId=${caseId}` },
    { kind: "board", route: "GET /api/board", url: () => "/api/board" },
    {
      kind: "board",
      route: "GET /api/board",
      url: () => "/api/board?asOf=2026-11-24T09:30:00.000Z",
      asOf: "2026-11-24T09:30:00.000Z",
    },
  ];

  for (const read of reads) {
    it(`${read.kind}${read.asOf ? " as of" : ""}: who, what, which case, from where, before the answer`, async () => {
      for (const username of ["clinic", "auditor"]) {
        const records = await recordedBy(username, async () => {
          // The answer did carry the patient's identity: this read is one the log must hold.
          expect((await get(username, read.url())).text).toContain(identity.name);
        });
        expect(records, `${username} ${read.url()}`).toHaveLength(1);
        const [record] = records as [RecordedEvent];
        expect(record.type).toBe("PatientDataRead");
        expect(record.metadata.actor).toEqual({
          userId: username,
          role: username === "clinic" ? "hospital_staff" : "auditor",
          institutionId: user(username).institutionId,
        });
        expect(record.data).toEqual({
          kind: read.kind,
          caseIds: [caseId],
          route: read.route,
          from: "127.0.0.1",
          ...(read.asOf ? { asOf: read.asOf } : {}),
          ...(read.kind === "case_search" ? { query: { caseId } } : {}),
        });
        // A single-case read names its case as the correlation id.
        expect(record.metadata.caseId).toBe(caseId);
        expect(JSON.stringify(record)).not.toContain(identity.name);
      }
    });
  }

  it("WebSocket snapshot: recorded before the connection opens, for roles that see identities", async () => {
    const records = await recordedBy("centre", () => openFeed("centre"));
    expect(records.map((r) => r.data)).toEqual([
      { kind: "board_feed", caseIds: [caseId], route: "WS /ws/board", from: "127.0.0.1" },
    ]);
  });

  it("a name search records that a name was searched and its length, never the name", async () => {
    const records = await recordedBy("auditor", async () => {
      const found = await get("auditor", `/api/cases?name=${encodeURIComponent(identity.name)}`);
      expect(found.body.cases.map((c: { caseId: string }) => c.caseId)).toEqual([caseId]);
    });
    expect(records.map((r) => r.data)).toEqual([
      {
        kind: "case_search",
        caseIds: [caseId],
        route: "GET /api/cases",
        from: "127.0.0.1",
        query: { nameLength: 4 },
      },
    ]);
    expect(JSON.stringify(records)).not.toContain(identity.name);
    // Nothing found, nothing identifiable answered: nothing to record.
    expect(
      await recordedBy("auditor", () => get("auditor", "/api/cases?name=%E6%97%A0%E6%AD%A4%E4%BA%BA")),
    ).toEqual([]);
  });

  it("masked roles (dispatcher, blood station) see no identity, and their reads are not recorded", async () => {
    for (const url of [
      "/api/board",
      `/api/cases/${caseId}/timeline`,
      `/api/transfers/${transferId}/record`,
    ]) {
      const records = await recordedBy("dispatcher", async () => {
        expect((await get("dispatcher", url)).text).not.toContain(identity.name);
      });
      expect(records, url).toEqual([]);
    }
    expect(await recordedBy("dispatcher", () => openFeed("dispatcher"))).toEqual([]);
    expect(await recordedBy("bloodstation", () => get("bloodstation", "/api/board"))).toEqual([]);
  });

  it("the board re-read with the same cases is recorded once per interval; a new case is recorded at once", async () => {
    const first = await recordedBy("medaffairs", () => get("medaffairs", "/api/board"));
    expect(first).toHaveLength(1);
    // The inbox polls every 5 s.
    clock.advance(1);
    expect(await recordedBy("medaffairs", () => get("medaffairs", "/api/board"))).toEqual([]);
    expect(await recordedBy("medaffairs", () => openFeed("medaffairs"))).toHaveLength(1);
    expect(await recordedBy("medaffairs", () => openFeed("medaffairs"))).toEqual([]);

    const another = await user("clinic").command("/api/referrals", referral(other));
    expect(another.status).toBe(201);
    const changed = await recordedBy("medaffairs", () => get("medaffairs", "/api/board"));
    expect(changed.map((r) => (r.data as { caseIds: string[] }).caseIds)).toEqual([
      [caseId, another.body.caseId].sort(),
    ]);
    expect(await recordedBy("medaffairs", () => get("medaffairs", "/api/board"))).toEqual([]);

    // ACCESS_RECORD_REPEAT_MINUTES (15) later, the same cases are recorded again.
    clock.advance(15);
    expect(await recordedBy("medaffairs", () => get("medaffairs", "/api/board"))).toHaveLength(1);
    // A case read by the user is recorded each time, however often.
    expect(
      await recordedBy("medaffairs", () => get("medaffairs", `/api/cases/${caseId}/timeline`)),
    ).toHaveLength(1);
    expect(
      await recordedBy("medaffairs", () => get("medaffairs", `/api/cases/${caseId}/timeline`)),
    ).toHaveLength(1);
  });
});

describe("no access record, no answer: 503 with Retry-After and nothing identifiable (issue 8 findings 6, 7)", () => {
  it("with the store read-only, every identifiable read is refused with 503; masked reads still answer", async () => {
    connection.pragma("query_only = ON");
    try {
      for (const url of [
        `/api/cases/${caseId}/timeline`,
        `/api/cases/${caseId}/timeline.csv`,
        `/api/transfers/${transferId}/record`,
        `/api/cases/${caseId}/export`,
        `/api/cases?caseId=${caseId}`,
        "/api/board?asOf=2026-11-24T09:45:00.000Z",
        `/api/audit/users/clinic/reads`,
      ]) {
        const response = await fetch(`${service.url}${url}`, {
          headers: { authorization: `Bearer ${user("auditor").token}` },
        });
        const text = await response.text();
        expect(response.status, url).toBe(503);
        expect(Number(response.headers.get("retry-after")), url).toBeGreaterThan(0);
        expect(response.headers.get("content-type"), url).toContain("application/problem+json");
        expect(JSON.parse(text), url).toMatchObject({
          status: 503,
          code: "store_unavailable",
          reason: "read_only",
        });
        for (const value of Object.values(identity)) expect(text, url).not.toContain(value);
      }
      // The WebSocket feed refuses the upgrade itself, before any snapshot (the clinic's feed was never recorded).
      const refused = await new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(`${service.url.replace("http", "ws")}/ws/board`, [
          BOARD_PROTOCOL,
          `bearer.${user("clinic").token}`,
        ]);
        socket.on("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
        socket.on("open", () => reject(new Error("the feed opened without its access record")));
        socket.on("error", () => undefined);
      });
      expect(refused).toBe(503);
      const dispatcherBoard = await user("dispatcher").get("/api/board");
      expect(dispatcherBoard.status).toBe(200);
    } finally {
      connection.pragma("query_only = OFF");
    }
    await expect
      .poll(async () => (await fetch(`${service.url}/health`)).status, { timeout: 10_000 })
      .toBe(200);
    expect((await user("auditor").get(`/api/cases/${caseId}/timeline`)).status).toBe(200);
  });
});

describe("the access log for auditors", () => {
  it("what did user U read: newest first, paged, auditors and admins only, and the reading is recorded", async () => {
    const all = await get("auditor", "/api/audit/users/clinic/reads?limit=500");
    const kinds = all.body.reads.map((r: { kind: string }) => r.kind);
    expect(all.body.userId).toBe("clinic");
    expect(all.body.next).toBeNull();
    expect(kinds).toContain("case_export");
    const revisions = all.body.reads.map((r: { revision: number }) => r.revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => b - a));
    expect(all.body.reads[0]).toMatchObject({ userId: "clinic", role: "hospital_staff", from: "127.0.0.1" });

    const first = await get("auditor", "/api/audit/users/clinic/reads?limit=3");
    expect(first.body.reads).toEqual(all.body.reads.slice(0, 3));
    const second = await get("auditor", `/api/audit/users/clinic/reads?limit=3&before=${first.body.next}`);
    expect(second.body.reads).toEqual(all.body.reads.slice(3, 6));

    expect((await user("clinic").get("/api/audit/users/clinic/reads")).status).toBe(403);
    expect((await user("dispatcher").get("/api/audit/users/clinic/reads")).status).toBe(403);
    expect((await user("auditor").get("/api/audit/users/Not%20A%20User/reads")).status).toBe(400);

    const own = await trail("auditor");
    expect(own.at(-1)?.data).toEqual({
      kind: "access_log",
      caseIds: [],
      route: "GET /api/audit/users/:userId/reads",
      from: "127.0.0.1",
      query: { userId: "clinic", limit: 3, before: first.body.next },
    });
  });

  it("who read case X: every recorded read that showed it, of every kind; the reading is recorded", async () => {
    // A timeline read recorded before this log, in the case's own stream, is still found.
    await service.store.append(
      `access-${caseId}`,
      [
        {
          id: "6f1d1a52-7c55-4d7e-9a43-2f0f7b0c9e01",
          type: "CaseTimelineRead",
          data: { caseId, asOf: null },
          metadata: {
            actor: { userId: "county", role: "hospital_staff", institutionId: user("county").institutionId },
            caseId,
            causationId: "6f1d1a52-7c55-4d7e-9a43-2f0f7b0c9e01",
            commandId: "6f1d1a52-7c55-4d7e-9a43-2f0f7b0c9e01",
            occurredAt: clock.iso(),
            schemaVersion: 1,
          },
        },
      ],
      "no_stream",
    );
    const reads = await get("auditor", `/api/cases/${caseId}/timeline-reads`);
    const seen = new Set(
      reads.body.reads.map((r: { userId: string; kind: string }) => `${r.userId} ${r.kind}`),
    );
    for (const expected of [
      "clinic timeline",
      "clinic timeline_csv",
      "clinic transfer_record",
      "clinic case_export",
      "clinic case_search",
      "clinic board",
      "centre board_feed",
      "auditor case_search",
      "county timeline",
    ])
      expect(seen, expected).toContain(expected);
    expect([...seen].some((s) => String(s).startsWith("dispatcher"))).toBe(false);
    expect((await trail("auditor")).at(-1)?.data).toMatchObject({ kind: "access_log", query: { caseId } });
  });

  it("who read case X answers from the per-case access index: reads of several kinds, paged back by log position", async () => {
    const all = await get("auditor", `/api/cases/${caseId}/timeline-reads?limit=500`);
    expect(all.body.next).toBeNull();
    const kinds = new Set(all.body.reads.map((r: { kind: string }) => r.kind));
    for (const kind of ["timeline", "timeline_csv", "transfer_record", "case_export", "case_search", "board"])
      expect(kinds, kind).toContain(kind);
    // The page is oldest first; every read names this case and the log position it was indexed at.
    const positions = all.body.reads.map((r: { position: number }) => r.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    for (const r of all.body.reads) expect(r.caseIds).toEqual([caseId]);

    // The answer is the index: exactly the rows the read-model file holds for the case.
    const file = new Database(readModelFile(dataDir, "main"), { readonly: true, fileMustExist: true });
    const indexed = file
      .prepare<[string], number>("SELECT position FROM case_reads WHERE case_id = ? ORDER BY position")
      .pluck()
      .all(caseId);
    file.close();
    expect(indexed).toEqual(positions);

    // Pages go back in time: the latest two, then the two before them.
    const latest = await get("auditor", `/api/cases/${caseId}/timeline-reads?limit=2`);
    expect(latest.body.reads).toEqual(all.body.reads.slice(-2));
    const earlier = await get(
      "auditor",
      `/api/cases/${caseId}/timeline-reads?limit=2&before=${latest.body.next}`,
    );
    expect(earlier.body.reads).toEqual(all.body.reads.slice(-4, -2));

    const bad = await user("auditor").get(`/api/cases/${caseId}/timeline-reads?limit=0`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("limit");
  });
});

describe("the live board feed records each case it newly shows, before the change goes out (issue 8 §6)", () => {
  it("a new case reaches a hospital's feed after its access record; its next change within the interval is not recorded again", async () => {
    const board = await boardClient(service.url, user("centre").token);
    await board.next((m) => m.type === "snapshot");
    const before = (await trail("centre")).length;
    const created = await user("clinic").command("/api/referrals", referral(other));
    expect(created.status).toBe(201);
    const shown = created.body.caseId as string;
    const change = await board.next((m) => m.type === "change" && m.item?.caseId === shown);
    // The change carried the patient's identity, and its record was already in the reader's trail.
    expect(JSON.stringify(change)).toContain(other.name);
    const records = (await trail("centre")).slice(before);
    expect(records.map((r) => r.data)).toEqual([
      { kind: "board_feed", caseIds: [shown], route: "WS /ws/board", from: "127.0.0.1" },
    ]);
    expect(JSON.stringify(records)).not.toContain(other.name);

    const accepted = await user("centre").command(`/api/referrals/${created.body.id}/accept`, {
      acceptedBy: "张主任",
      occurredAt: clock.iso(),
    });
    expect(accepted.status).toBe(200);
    await board.next((m) => m.type === "change" && m.item?.caseId === shown && m.item?.step === "accepted");
    expect((await trail("centre")).slice(before)).toHaveLength(1);
    board.close();
  });

  it("when the record cannot be written the feed closes with 1013 and sends nothing of the change", async () => {
    const board = await boardClient(service.url, user("centre").token);
    await board.next((m) => m.type === "snapshot");
    const created = await user("clinic").command("/api/referrals", referral({ ...other, name: "欧阳青" }));
    expect(created.status).toBe(201);
    const shown = created.body.caseId as string;
    await board.next((m) => m.type === "change" && m.item?.caseId === shown);
    const received = board.messages.length;
    // Past the repeat interval the case must be recorded again: past the unanswered-emergency threshold too, so
    // the alarm tick changes its item. The store is read-only when the change goes out.
    clock.advance(16);
    connection.pragma("query_only = ON");
    try {
      service.readModels.tickAlarms();
      expect(await board.closed).toEqual({
        code: 1013,
        reason: "the access log cannot be written; reconnect later",
      });
    } finally {
      connection.pragma("query_only = OFF");
    }
    expect(board.messages).toHaveLength(received);
  });
});
