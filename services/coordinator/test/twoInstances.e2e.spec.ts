import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { readModelFile } from "@mtc/projections";
import { afterAll, describe, expect, it } from "vitest";
import { apiClient, boardClient } from "./harness.js";

const MAIN = path.resolve(import.meta.dirname, "../src/main.ts");

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** The real service as its own process (node --import tsx), one read-model file per instance id. */
const startChild = async (dataDir: string, port: number, instanceId: string): Promise<ChildProcess> => {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env: {
      ...process.env,
      MTC_MODE: "demo",
      PORT: String(port),
      DATA_DIR: dataDir,
      MTC_INSTANCE_ID: instanceId,
      LOG_LEVEL: "silent",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; i < 600; i++) {
    if (hasExited(child)) throw new Error(`service exited with ${child.exitCode ?? child.signalCode}`);
    try {
      const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { status: string };
      if (health.status === "ok") return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new Error("service did not start in time");
};

describe("two service processes on one data directory", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("a command sent to A appears on a board WebSocket client of B within 1 s", {
    timeout: 120_000,
  }, async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "mtc-two-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const [portA, portB] = [await freePort(), await freePort()];
    const a = await startChild(dataDir, portA, "a");
    const b = await startChild(dataDir, portB, "b");
    for (const child of [a, b])
      cleanups.push(async () => {
        child.kill("SIGTERM");
        if (!hasExited(child)) await new Promise((resolve) => child.once("exit", resolve));
      });
    expect(existsSync(readModelFile(dataDir, "a"))).toBe(true);
    expect(existsSync(readModelFile(dataDir, "b"))).toBe(true);

    const clinicA = await apiClient(`http://127.0.0.1:${portA}`, "clinic");
    const dispatcherB = await apiClient(`http://127.0.0.1:${portB}`, "dispatcher");
    const feed = await boardClient(`http://127.0.0.1:${portB}`, dispatcherB.token);
    cleanups.push(async () => feed.close());
    await feed.next((m) => m.type === "snapshot");

    const sent = await clinicA.command("/api/referrals", {
      patientKind: "maternal",
      patient: { name: "测试孕妇" },
      riskGrade: "red",
      urgency: "emergency",
      reasons: ["产前出血"],
      clinicalSummary: "孕34周阴道出血",
      fromInstitutionId: clinicA.institutionId,
      requestedBy: "李医生",
      occurredAt: new Date().toISOString(),
    });
    expect(sent.status).toBe(201);
    // B tails the same log (the store's 200 ms poll) into its own file and pushes the change.
    const change = await feed.next(
      (m) => m.type === "change" && m.itemId === `referral-${sent.body.id}`,
      1_000,
    );
    expect(change.item).toMatchObject({ caseId: sent.body.caseId, step: "requested" });
    expect(
      (await dispatcherB.get("/api/board")).body.items.map((i: { caseId: string }) => i.caseId),
    ).toContain(sent.body.caseId);
  });
});
