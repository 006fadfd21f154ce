import { execFile } from "node:child_process";
import { createHash, generateKeyPairSync } from "node:crypto";
import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  type DomainEvent,
  evolveReferral,
  evolveTransfer,
  initialReferralState,
  initialTransferState,
  parseDomainEvent,
  type ReferralEvent,
  type ReferralState,
  type TransferEvent,
  type TransferState,
} from "@mtc/domain";
import { buildCaseExport, type ChainedEvent, openSqliteEventStore } from "@mtc/eventstore";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** `pnpm mtc` as an operator runs it: a child process on a temporary data directory. */

const MTC = path.resolve(import.meta.dirname, "index.ts");
const EVENTS = 6_000;
const SEED = 11;
const UNTIL = "2026-06-30";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const mtcWith = (env: Record<string, string>, ...args: string[]): Promise<Run> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", MTC, ...args],
      { env: { ...process.env, DATA_DIR: "", ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });

const mtc = (...args: string[]): Promise<Run> => mtcWith({}, ...args);

interface Row {
  position: number;
  event_id: string;
  stream_id: string;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
}

const readLog = (dataDir: string): Row[] => {
  const db = new Database(path.join(dataDir, "events.db"), { readonly: true });
  try {
    return db.prepare<[], Row>("SELECT * FROM events ORDER BY position").all();
  } finally {
    db.close();
  }
};

const idHash = (rows: readonly Row[]) =>
  createHash("sha256")
    .update(rows.map((r) => `${r.event_id} ${r.recorded_at}`).join("\n"))
    .digest("hex");

/** The states each event may follow, as the deciders allow (referral/decide.ts, transfer/decide.ts). */
const REFERRAL_AFTER: Record<string, readonly string[]> = {
  ReferralRequested: ["none"],
  OffProtocolArrivalRegistered: ["none"],
  ReferralAccepted: ["requested"],
  ReferralDeclined: ["requested"],
  ReferralRedirected: ["requested", "accepted", "declined", "escalated"],
  ReferralEscalated: ["requested", "accepted", "declined", "escalated"],
  PatientReceived: ["requested", "accepted", "declined", "escalated"],
  ReferralCancelled: ["requested", "accepted", "declined", "escalated"],
  ReferralCompleted: ["received"],
};
const TRANSFER_AFTER: Record<string, readonly string[]> = {
  TransferRequested: ["none"],
  UnitDispatched: ["requested"],
  UnitArrivedAtOrigin: ["dispatched"],
  TransferDeparted: ["dispatched", "at_origin"],
  EnRouteCareRecorded: ["en_route"],
  RemoteGuidanceGiven: ["en_route"],
  TransferDiverted: ["requested", "dispatched", "at_origin", "en_route"],
  TransferArrived: ["en_route"],
  HandoverCompleted: ["arrived"],
  TransferCancelled: ["requested", "dispatched", "at_origin"],
  // Issue 9 §1: raised with the departure (the state is en route by then), and again on a diversion en route.
  PreArrivalAlertRaised: ["en_route"],
};
const CREW_EVENTS = new Set([
  "UnitArrivedAtOrigin",
  "TransferDeparted",
  "EnRouteCareRecorded",
  "TransferArrived",
]);

describe("pnpm mtc generate and status (child processes on real data directories)", () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "mtc-cli-"));
    dirs.push(dir);
    return dir;
  };
  let first: string;
  let firstRun: Run;
  let rows: Row[];

  beforeAll(async () => {
    first = await tempDir();
    firstRun = await mtc(
      "generate",
      "--events",
      String(EVENTS),
      "--seed",
      String(SEED),
      "--until",
      UNTIL,
      "--data-dir",
      first,
    );
    rows = readLog(first);
  });
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("writes exactly the events asked for and shows a progress bar with events/s and ETA on stderr", () => {
    expect(firstRun.code, firstRun.stderr).toBe(0);
    expect(rows).toHaveLength(EVENTS);
    expect(firstRun.stderr).toMatch(/events\/s \| ETA/);
    expect(firstRun.stdout).toMatch(new RegExp(`^generated ${EVENTS} events, \\d+ cases`));
  });

  it("is deterministic for a seed: same count, same ids and recordedAt in the same order; another seed differs", async () => {
    const again = await tempDir();
    const other = await tempDir();
    const [a, b] = await Promise.all([
      mtc(
        "generate",
        "--events",
        String(EVENTS),
        "--seed",
        String(SEED),
        "--until",
        UNTIL,
        "--data-dir",
        again,
        "-q",
      ),
      mtc(
        "generate",
        "--events",
        String(EVENTS),
        "--seed",
        String(SEED + 1),
        "--until",
        UNTIL,
        "--data-dir",
        other,
        "-q",
      ),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const repeated = readLog(again);
    expect(repeated).toHaveLength(rows.length);
    expect(idHash(repeated)).toBe(idHash(rows));
    expect(idHash(readLog(other))).not.toBe(idHash(rows));
  });

  it("every event parses with the domain's parseDomainEvent and carries the command bus's metadata", () => {
    for (const row of rows) {
      const metadata = JSON.parse(row.metadata) as Record<string, unknown>;
      const parsed = parseDomainEvent(row.type, JSON.parse(row.data), metadata.schemaVersion as number);
      expect(parsed.ok, `${row.stream_id} ${row.type}: ${parsed.ok ? "" : parsed.reason}`).toBe(true);
      expect(metadata).toMatchObject({ causationId: metadata.commandId, schemaVersion: 1 });
      expect(metadata.caseId).toMatch(/^JC-20\d{2}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}$/);
      expect(typeof metadata.requestHash).toBe("string");
      expect(Date.parse(metadata.occurredAt as string)).toBeLessThanOrEqual(Date.parse(row.recorded_at));
    }
  });

  it("recordedAt follows the log order and spreads over the years up to --until", () => {
    for (let i = 1; i < rows.length; i++) {
      expect((rows[i] as Row).recorded_at >= (rows[i - 1] as Row).recorded_at).toBe(true);
    }
    const firstAt = Date.parse((rows[0] as Row).recorded_at);
    const lastAt = Date.parse((rows.at(-1) as Row).recorded_at);
    const until = Date.parse(`${UNTIL}T23:59:59.999+08:00`);
    expect(lastAt).toBeLessThanOrEqual(until);
    expect(until - lastAt).toBeLessThan(60 * 24 * 3_600_000);
    expect(lastAt - firstAt).toBeGreaterThan(2.5 * 365 * 24 * 3_600_000);
  });

  it("replaying each stream through the deciders' evolve meets no impossible sequence", () => {
    const streams = new Map<string, { state: ReferralState | TransferState; lastOccurredAt: string }>();
    for (const row of rows) {
      const parsed = parseDomainEvent(row.type, JSON.parse(row.data));
      if (!parsed.ok) throw new Error(parsed.reason);
      const event: DomainEvent = parsed.event;
      const referral = row.stream_id.startsWith("referral-");
      const open = streams.get(row.stream_id) ?? {
        state: referral ? initialReferralState() : initialTransferState(),
        lastOccurredAt: "",
      };
      const allowed = (referral ? REFERRAL_AFTER : TRANSFER_AFTER)[row.type];
      expect(allowed, `${row.type} in ${row.stream_id}`).toBeDefined();
      expect(allowed, `${row.type} after ${open.state.status} in ${row.stream_id}`).toContain(
        open.state.status,
      );
      const occurredAt = (event.data as { occurredAt: string }).occurredAt;
      expect(occurredAt >= open.lastOccurredAt, `${row.stream_id} runs backwards`).toBe(true);
      open.state = referral
        ? evolveReferral(open.state as ReferralState, event as ReferralEvent)
        : evolveTransfer(open.state as TransferState, event as TransferEvent);
      open.lastOccurredAt = occurredAt;
      streams.set(row.stream_id, open);
    }
  });

  it("has the seeds' grade mix (orange and above 7–16 % of cases, most green or yellow) and every kind of step", () => {
    const grades = new Map<string, string>();
    const types = new Set<string>();
    let opened = 0;
    for (const row of rows) {
      types.add(row.type);
      if (row.type === "ReferralRequested" || row.type === "OffProtocolArrivalRegistered") {
        const data = JSON.parse(row.data) as { caseId: string; riskGrade: string };
        grades.set(data.caseId, data.riskGrade);
        opened++;
      }
    }
    expect(grades.size, "one case id per case").toBe(opened);
    const all = [...grades.values()];
    const share = (pick: (g: string) => boolean) => all.filter(pick).length / all.length;
    expect(all.length).toBeGreaterThan(500);
    expect(share((g) => g === "orange" || g === "red" || g === "purple")).toBeGreaterThanOrEqual(0.07);
    expect(share((g) => g === "orange" || g === "red" || g === "purple")).toBeLessThanOrEqual(0.16);
    expect(share((g) => g === "green" || g === "yellow")).toBeGreaterThan(0.8);
    for (const type of [...Object.keys(REFERRAL_AFTER), ...Object.keys(TRANSFER_AFTER)]) {
      expect(types, type).toContain(type);
    }
  });

  it("orange and above are never declined without a redirect or an escalation (000 §十(七), R-REF-3)", () => {
    const grade = new Map<string, string>();
    const byCommand = new Map<string, string[]>();
    for (const row of rows) {
      const data = JSON.parse(row.data) as { riskGrade?: string };
      if (row.type === "ReferralRequested") grade.set(row.stream_id, data.riskGrade as string);
      const { commandId } = JSON.parse(row.metadata) as { commandId: string };
      byCommand.set(commandId, [...(byCommand.get(commandId) ?? []), `${row.stream_id} ${row.type}`]);
    }
    let declines = 0;
    for (const events of byCommand.values()) {
      const declined = events.find((e) => e.endsWith(" ReferralDeclined"));
      if (!declined) continue;
      const high = ["orange", "red", "purple"].includes(grade.get(declined.split(" ")[0] as string) ?? "");
      if (!high) continue;
      declines++;
      expect(events.some((e) => e.endsWith(" ReferralRedirected") || e.endsWith(" ReferralEscalated"))).toBe(
        true,
      );
    }
    expect(declines).toBeGreaterThan(0);
  });

  it("a share of crew entries is entered late (recordedAt more than 30 min after occurredAt)", () => {
    const crew = rows.filter((r) => CREW_EVENTS.has(r.type));
    const late = crew.filter((r) => {
      const { occurredAt } = JSON.parse(r.metadata) as { occurredAt: string };
      return Date.parse(r.recorded_at) - Date.parse(occurredAt) > 30 * 60_000;
    });
    expect(crew.length).toBeGreaterThan(500);
    expect(late.length / crew.length).toBeGreaterThanOrEqual(0.05);
    expect(late.length / crew.length).toBeLessThanOrEqual(0.3);
  });

  it("status prints the log's head, count and recordedAt span, human and --json", async () => {
    const human = await mtc("status", "--data-dir", first);
    expect(human.code, human.stderr).toBe(0);
    const head = Math.max(...rows.map((r) => r.position));
    expect(human.stdout).toMatch(new RegExp(`log head +${head}\\n`));
    expect(human.stdout).toContain((rows[0] as Row).recorded_at);
    expect(human.stdout).toMatch(/events\.db +\d/);
    const json = await mtc("status", "--json", "--data-dir", first);
    expect(JSON.parse(json.stdout)).toMatchObject({
      head,
      events: rows.length,
      firstRecordedAt: (rows[0] as Row).recorded_at,
      lastRecordedAt: (rows.at(-1) as Row).recorded_at,
    });
  });

  it("without --data-dir, DATA_DIR is used, a relative one resolved against where the user started (INIT_CWD)", async () => {
    const run = await mtcWith(
      { DATA_DIR: path.basename(first), INIT_CWD: path.dirname(first) },
      "status",
      "--quiet",
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^head \\d+, ${EVENTS} events, log `));
  });

  it("--quiet draws no bar and prints one summary line", async () => {
    const dir = await tempDir();
    const quiet = await mtc(
      "generate",
      "--events",
      "300",
      "--seed",
      "3",
      "--until",
      UNTIL,
      "--data-dir",
      dir,
      "--quiet",
    );
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe("");
    expect(quiet.stdout.trim().split("\n")).toHaveLength(1);
    expect(quiet.stdout).toMatch(/^generated 300 events/);
  });

  it("bad arguments and bad directories exit non-zero with one clear line", async () => {
    const empty = await tempDir();
    const cases: [string[], number, RegExp][] = [
      [["generate", "--seed", "1", "--data-dir", empty], 2, /--events/],
      [["generate", "--events", "many", "--data-dir", empty], 2, /--events.*whole number/],
      [["generate", "--events", "10", "--until", "2026-02-30", "--data-dir", empty], 2, /--until.*real date/],
      [["generate", "--events", "10", "--until", "2999-01-01", "--data-dir", empty], 2, /after today/],
      [["rebuilt"], 2, /unknown command 'rebuilt'/],
      [[], 2, /Usage: mtc/],
      [["status", "--data-dir", empty], 1, /^mtc: no event log in .*events\.db is missing/],
      [
        ["generate", "--events", "10", "--until", UNTIL, "--data-dir", first],
        1,
        /^mtc: .*already holds events/,
      ],
    ];
    for (const [args, code, message] of cases) {
      const run = await mtc(...args);
      expect(run.code, args.join(" ")).toBe(code);
      expect(run.stderr, args.join(" ")).toMatch(message);
    }
    expect(readLog(first)).toHaveLength(EVENTS);
  });

  it("--help lists every command, and each command's options", async () => {
    const help = await mtc("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/status/);
    expect(help.stdout).toMatch(/generate/);
    const generateHelp = await mtc("generate", "--help");
    expect(generateHelp.code).toBe(0);
    for (const option of ["--events", "--seed", "--until", "--data-dir", "--quiet"]) {
      expect(generateHelp.stdout).toContain(option);
    }
  });

  it("verify walks the chain: ok on the generated log; exit 1 naming the first edited position", async () => {
    const clean = await mtc("verify", "--data-dir", first, "--quiet");
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(new RegExp(`^ok: ${EVENTS.toLocaleString("en-US")} events verified`));
    const copy = await tempDir();
    await copyFile(path.join(first, "events.db"), path.join(copy, "events.db"));
    const target = rows[Math.floor(rows.length / 2)] as Row;
    const db = new Database(path.join(copy, "events.db"));
    db.prepare("UPDATE events SET data = ? WHERE position = ?").run(
      target.data.replace(/"occurredAt":"\d{4}/, '"occurredAt":"1999'),
      target.position,
    );
    db.close();
    const broken = await mtc("verify", "--data-dir", copy, "--quiet");
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`BROKEN at position ${target.position} (${target.stream_id}): edited`);
  });

  it("verify-export checks a case export offline; one changed byte fails it", async () => {
    const store = openSqliteEventStore({ path: path.join(first, "events.db") });
    const streamId = (rows[0] as Row).stream_id;
    const events: ChainedEvent[] = [];
    for await (const event of store.readStreamChain(streamId)) events.push(event);
    await store.close();
    const { privateKey } = generateKeyPairSync("ed25519");
    const exported = buildCaseExport(
      {
        caseId: (events[0] as ChainedEvent).metadata.caseId,
        exportedAt: "2026-07-01T00:00:00.000Z",
        exportedBy: { userId: "auditor", role: "auditor" },
        streams: [{ streamId, events }],
        signedHead: null,
      },
      privateKey,
    );
    const dir = await tempDir();
    const good = path.join(dir, "case.json");
    await writeFile(good, JSON.stringify(exported));
    const ok = await mtc("verify-export", good);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok: case /);
    const bad = path.join(dir, "edited.json");
    await writeFile(bad, JSON.stringify(exported).replace(/"occurredAt":"\d{4}/, '"occurredAt":"1999'));
    const edited = await mtc("verify-export", bad);
    expect(edited.code).toBe(1);
    expect(edited.stdout).toMatch(/^NOT VERIFIED/);
  });

  it("rebuild builds the read models from the log with a bar; status then shows each model ready with no lag", async () => {
    const copy = await tempDir();
    await copyFile(path.join(first, "events.db"), path.join(copy, "events.db"));
    const built = await mtc("rebuild", "--data-dir", copy);
    expect(built.code).toBe(0);
    expect(built.stdout).toMatch(
      /^rebuilt board, timeline, completeness, cases, access, fleet, arrivals, blood, mdt from [\d,]+ events in [\d.]+ s, in place:/,
    );
    expect(built.stderr).toMatch(/events\/s/);
    const status = await mtc("status", "--data-dir", copy, "--json");
    const parsed = JSON.parse(status.stdout) as {
      head: number;
      readModels: {
        instance: string;
        models: { name: string; state: string; checkpoint: number; lag: number }[];
      }[];
    };
    expect(parsed.readModels.map((r) => r.instance)).toEqual(["main"]);
    const models = parsed.readModels[0]?.models ?? [];
    expect(models.map((m) => [m.name, m.state])).toEqual(
      ["board", "timeline", "completeness", "cases", "access", "fleet", "arrivals", "blood", "mdt"].map(
        (name) => [name, "ready"],
      ),
    );
    for (const m of models) expect(m.lag).toBe(0);
    const human = await mtc("status", "--data-dir", copy);
    expect(human.stdout).toMatch(/read models of instance main/);
    const one = await mtc("rebuild", "--data-dir", copy, "--model", "board", "--quiet");
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^rebuilt board from /);
    const unknown = await mtc("rebuild", "--data-dir", copy, "--model", "nope");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown read model nope");
  });
});
