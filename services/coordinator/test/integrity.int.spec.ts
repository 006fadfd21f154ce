import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { type RecordedEvent, verifyExport, verifyHead, verifyLog } from "@mtc/eventstore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { ALARMS_STREAM, BREAK_DETECTED } from "../src/integrity/integrityMonitor.js";
import { startService } from "../src/service.js";
import {
  type ApiClient,
  apiClient,
  type Harness,
  newKey,
  startHarness,
  tamperWithFirstReferral,
} from "./harness.js";

/** Issue 8 finding 5: the service verifies its hash-chained log, signs its head and exports cases with proofs. */
describe("hash-chained log under the running service", () => {
  let harness: Harness;
  let clinic: ApiClient;
  let auditor: ApiClient;
  // The service opens the case: its id comes back in the answer.
  let caseId = "";
  const referral = () => ({
    patientKind: "maternal",
    patient: { name: "王秀兰", idCardNumber: "11010519491231002X" },
    gestationalWeeks: 34,
    riskGrade: "red",
    urgency: "emergency",
    reasons: ["产前出血"],
    clinicalSummary: "孕34周阴道出血",
    fromInstitutionId: clinic.institutionId,
    requestedBy: "李医生",
    occurredAt: new Date().toISOString(),
  });
  const health = async () => {
    const response = await fetch(`${harness.service.url}/health`);
    // biome-ignore lint/suspicious/noExplicitAny: asserted field by field
    return { status: response.status, body: (await response.json()) as any };
  };

  beforeAll(async () => {
    harness = await startHarness(undefined, {
      INTEGRITY_CHECK_SECONDS: "1",
      INTEGRITY_FULL_VERIFY_SECONDS: "1",
      INTEGRITY_SIGN_EVERY_EVENTS: "1",
    });
    clinic = await apiClient(harness.service.url, "clinic");
    auditor = await apiClient(harness.service.url, "auditor");
    const created = await clinic.command("/api/referrals", referral());
    expect(created.status).toBe(201);
    caseId = created.body.caseId;
  });
  afterAll(async () => harness?.stop());

  it("verifies the log and serves a signed head with its public key", async () => {
    await expect.poll(async () => (await health()).body.integrity?.state, { timeout: 15_000 }).toBe("ok");
    expect((await health()).body.integrity).toMatchObject({ tailVerified: true, fullyVerified: true });
    await expect
      .poll(async () => (await fetch(`${harness.service.url}/api/integrity/head`)).json(), {
        timeout: 15_000,
      })
      .toMatchObject({ head: { position: expect.any(Number) } });
    const answer = (await (await fetch(`${harness.service.url}/api/integrity/head`)).json()) as {
      head: Parameters<typeof verifyHead>[0];
      publicKey: string;
    };
    expect(verifyHead(answer.head)).toBe(true);
    expect(answer.head.publicKey).toBe(answer.publicKey);
    const offline = await verifyLog({ path: path.join(harness.dataDir, "events.db") });
    expect(offline).toMatchObject({ ok: true });
    expect(offline.headsChecked).toBeGreaterThan(0);
  });

  it("exports a case with chain proofs that verify offline; an edited byte fails; the read is recorded", async () => {
    const response = await fetch(`${harness.service.url}/api/cases/${caseId}/export`, {
      headers: { authorization: `Bearer ${auditor.token}` },
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    const verified = verifyExport(JSON.parse(text));
    expect(verified).toMatchObject({ ok: true, caseId, streams: 1, problems: [] });
    expect(verified.events).toBeGreaterThan(0);

    const edited = verifyExport(JSON.parse(text.replace("孕34周", "孕35周")));
    expect(edited.ok).toBe(false);
    expect(edited.problems.join("\n")).toMatch(/signature does not verify/);
    expect(edited.problems.join("\n")).toMatch(/stream link does not match/);

    const reads = await auditor.get(`/api/cases/${caseId}/timeline-reads`);
    expect(reads.body.reads.map((r: { userId: string }) => r.userId)).toContain("auditor");
  });

  it("exports only to those who may read the case whole; another hospital's case is as unknown", async () => {
    expect((await clinic.get(`/api/cases/${caseId}/export`)).status).toBe(200);
    expect(
      (await (await apiClient(harness.service.url, "county")).get(`/api/cases/${caseId}/export`)).status,
    ).toBe(404);
    expect(
      (await (await apiClient(harness.service.url, "dispatcher")).get(`/api/cases/${caseId}/export`)).status,
    ).toBe(403);
    expect((await auditor.get("/api/cases/CASE_NOBODY/export")).status).toBe(404);
  });

  it("a row edited under the running service: /health degraded with the break, the break recorded, commands answered", async () => {
    const position = tamperWithFirstReferral(harness.dataDir, "孕34周", "孕30周");

    await expect.poll(async () => (await health()).body.integrity?.state, { timeout: 15_000 }).toBe("broken");
    const answer = await health();
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe("degraded");
    expect(answer.body.integrity.firstBreak).toMatchObject({ position, kind: "edited" });

    const alarms: RecordedEvent[] = [];
    for await (const event of harness.service.store.readStream(ALARMS_STREAM)) alarms.push(event);
    expect(alarms.map((e) => e.type)).toEqual([BREAK_DETECTED]);
    expect(alarms[0]?.data).toMatchObject({ position, kind: "edited" });

    const emergency = await clinic.command("/api/referrals", referral(), newKey());
    expect(emergency.status).toBe(201);
  });

  it("starts with an unreadable signed head beside the log, and reports it on /health", async () => {
    const other = await startHarness(undefined, { INTEGRITY_CHECK_SECONDS: "1" });
    try {
      await writeFile(path.join(other.dataDir, "events.db.head.json"), "{not json");
      await other.service.close();
      const config = loadConfig({
        MTC_MODE: "demo",
        PORT: "0",
        DATA_DIR: other.dataDir,
        LOG_LEVEL: "silent",
      });
      const restarted = await startService(config);
      try {
        await expect
          .poll(
            async () =>
              ((await (await fetch(`${restarted.url}/health`)).json()) as { integrity?: { state: string } })
                .integrity?.state,
            {
              timeout: 15_000,
            },
          )
          .toBe("broken");
      } finally {
        await restarted.close();
      }
    } finally {
      await rm(other.dataDir, { recursive: true, force: true });
    }
  });
});
