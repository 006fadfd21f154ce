import { existsSync, rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { readModelFile } from "@mtc/projections";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { type RunningService, startService } from "../src/service.js";
import { apiClient } from "./harness.js";

const referral = (fromInstitutionId: string | undefined) => ({
  patientKind: "maternal",
  patient: { name: "测试孕妇" },
  riskGrade: "red",
  urgency: "emergency",
  reasons: ["产前出血"],
  clinicalSummary: "孕34周阴道出血",
  fromInstitutionId,
  requestedBy: "李医生",
  occurredAt: new Date().toISOString(),
});

/** A missing read-model file is rebuilt in the background: the service listens, reads say 503, commands work. */
describe("read models rebuilt at start", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it("answers 503 with Retry-After while rebuilding, shows progress in /health, accepts commands, then serves", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "mtc-rebuild-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const config = loadConfig({ MTC_MODE: "demo", PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "silent" });
    let service: RunningService = await startService(config);
    let clinic = await apiClient(service.url, "clinic");
    const first = await clinic.command("/api/referrals", referral(clinic.institutionId));
    expect(first.status).toBe(201);
    await service.close();

    const file = readModelFile(dataDir, "main");
    expect(existsSync(file)).toBe(true);
    rmSync(file);
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    service = await startService(config, { readModelPace: () => gate });
    cleanups.push(() => service.close());
    clinic = await apiClient(service.url, "clinic");
    const dispatcher = await apiClient(service.url, "dispatcher");

    const board = await dispatcher.raw("GET", "/api/board");
    expect(board.status).toBe(503);
    expect(board.body).toMatchObject({
      status: 503,
      code: "read_model_unavailable",
      model: "board",
      state: "rebuilding",
    });
    const response = await fetch(`${service.url}/api/cases?caseId=${first.body.caseId}`, {
      headers: { authorization: `Bearer ${dispatcher.token}` },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(response.headers.get("content-type")).toContain("application/problem+json");

    const health = (await (await fetch(`${service.url}/health`)).json()) as {
      status: string;
      projections: { name: string; state: string; progress?: number }[];
    };
    expect(health.status).toBe("degraded");
    expect(health.projections.map((p) => [p.name, p.state, p.progress])).toEqual(
      ["board", "timeline", "completeness", "cases", "access", "fleet", "arrivals", "blood", "mdt"].map(
        (n) => [n, "rebuilding", 0],
      ),
    );

    const second = await clinic.command("/api/referrals", referral(clinic.institutionId));
    expect(second.status).toBe(201);

    release();
    for (let i = 0; i < 100 && (await dispatcher.get("/api/board")).status === 503; i++)
      await new Promise((r) => setTimeout(r, 50));
    const after = await dispatcher.get("/api/board");
    expect(after.status).toBe(200);
    expect(after.body.items.map((i: { caseId: string }) => i.caseId).sort()).toEqual(
      [first.body.caseId, second.body.caseId].sort(),
    );
    const healthy = (await (await fetch(`${service.url}/health`)).json()) as { status: string };
    expect(healthy.status).toBe("ok");
  });
});
