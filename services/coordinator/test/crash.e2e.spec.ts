import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import type { RecordedEvent } from "@mtc/eventstore";
import { openEventStore } from "@mtc/eventstore";
import { allModels, categoriesOf, dumpReadModels, readModelFile, rebuildInto } from "@mtc/projections";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_PASSWORD } from "../src/auth/users.js";

const MAIN = path.resolve(import.meta.dirname, "../src/main.ts");
const COMMANDS = 240;
const KILL_AFTER_ACKS = 60;
const IN_FLIGHT = 12;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const startChild = async (dataDir: string, port: number): Promise<ChildProcess> => {
  // One process (node --import tsx), so that SIGKILL kills the server itself and not a wrapper.
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: { ...process.env, MTC_MODE: "demo", PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: "silent" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (hasExited(child)) throw new Error(`service exited with ${child.exitCode ?? child.signalCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).status === 200) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error("service did not start in time");
};

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;
const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (hasExited(child) ? resolve() : child.once("exit", () => resolve())));

const login = async (port: number): Promise<string> => {
  const response = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "clinic", password: DEMO_PASSWORD }),
  });
  return ((await response.json()) as { token: string }).token;
};

interface Sent {
  key: string;
  body: Record<string, unknown>;
  ackedId?: string;
}

const send = async (port: number, token: string, command: Sent) => {
  const response = await fetch(`http://127.0.0.1:${port}/api/referrals`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      "idempotency-key": command.key,
    },
    body: JSON.stringify(command.body),
  });
  return { status: response.status, body: (await response.json()) as { id: string } };
};

describe("crash: SIGKILL during a burst of commands", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("every acknowledged command is in the log exactly once, and the read models equal a fresh rebuild row for row", {
    timeout: 180_000,
  }, async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "mtc-crash-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    let child = await startChild(dataDir, port);
    cleanups.push(async () => {
      child.kill("SIGKILL");
      await exited(child);
    });
    let token = await login(port);
    const reference = (await (
      await fetch(`http://127.0.0.1:${port}/api/reference`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { institutions: { id: string; kind: string }[] };
    const clinicId = reference.institutions.find((i) => i.kind === "primary_clinic")?.id;

    const commands: Sent[] = Array.from({ length: COMMANDS }, (_, i) => ({
      key: `crash-burst-${i.toString().padStart(4, "0")}`,
      body: {
        patientKind: "maternal",
        patient: { name: "测试孕妇" },
        riskGrade: i % 2 === 0 ? "red" : "orange",
        urgency: "emergency",
        reasons: ["产后出血"],
        clinicalSummary: "故障测试",
        fromInstitutionId: clinicId,
        requestedBy: "测试医生",
        occurredAt: new Date().toISOString(),
      },
    }));

    // The burst: IN_FLIGHT requests at a time; the process is killed once KILL_AFTER_ACKS were acknowledged.
    let acked = 0;
    let next = 0;
    const worker = async () => {
      while (next < commands.length) {
        const command = commands[next++] as Sent;
        try {
          const answer = await send(port, token, command);
          if (answer.status === 201) {
            command.ackedId = answer.body.id;
            if (++acked === KILL_AFTER_ACKS) child.kill("SIGKILL");
          }
        } catch {
          // connection refused or reset: not acknowledged, the client will retry
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await exited(child);
    const acknowledged = commands.filter((c) => c.ackedId !== undefined);
    expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    expect(acknowledged.length).toBeLessThan(COMMANDS);

    // Restart on the same data; the client retries everything with the same idempotency keys.
    child = await startChild(dataDir, port);
    token = await login(port);
    for (const command of commands) {
      const answer = await send(port, token, command);
      expect(answer.status).toBe(201);
      if (command.ackedId) expect(answer.body.id).toBe(command.ackedId);
    }
    child.kill("SIGTERM");
    await exited(child);

    const store = await openEventStore({ kind: "embedded", path: path.join(dataDir, "events.db") });
    const events: RecordedEvent[] = [];
    for (let after = -1; ; ) {
      const page = await store.readAll({ after, maxCount: 1_000 });
      events.push(...page);
      if (page.length < 1_000) break;
      after = (page.at(-1) as RecordedEvent).position;
    }

    const requested = events.filter((e) => e.type === "ReferralRequested");
    expect(requested).toHaveLength(COMMANDS);
    expect(new Set(requested.map((e) => e.metadata.caseId)).size).toBe(COMMANDS);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);

    // The file the killed and restarted service kept incrementally, against a rebuild from zero of the same log.
    const fresh = path.join(dataDir, "fresh.db");
    await rebuildInto({ store, path: fresh, models: allModels(), categories: categoriesOf(allModels()) });
    await store.close();
    const kept = dumpReadModels(readModelFile(dataDir, "main"), allModels());
    expect(kept.checkpoints).toEqual(dumpReadModels(fresh, allModels()).checkpoints);
    expect(kept).toEqual(dumpReadModels(fresh, allModels()));
    expect(kept.board_items?.length).toBe(COMMANDS);
  });
});
