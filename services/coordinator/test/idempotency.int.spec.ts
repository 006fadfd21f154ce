import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { ReferenceData } from "@mtc/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { type RunningService, startService } from "../src/service.js";
import { type ApiClient, apiClient, institutionOfKind, testClock } from "./harness.js";

/**
 * ADR 2 / issue 7 §1: every answer comes from the log, refusals included. The service is stopped and started again
 * on the same SQLite file, and a second instance runs on the same data directory: the answers do not change.
 */
describe("durable answers and idempotency keys across restarts and instances", () => {
  const clock = testClock("2026-11-24T08:00:00.000Z");
  let dataDir: string;
  let service: RunningService;
  let region: ReferenceData;

  const start = (): Promise<RunningService> =>
    startService(loadConfig({ MTC_MODE: "demo", PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "silent" }), {
      clock,
    });
  const restart = async () => {
    await service.close();
    service = await start();
  };
  const login = (username: string) => apiClient(service.url, username);
  const records = async () =>
    (await service.store.readAll({ maxCount: 10_000, categories: ["referral", "transfer"] })).length;
  const refusals = async () =>
    (await service.store.readAll({ maxCount: 10_000, categories: ["refusal"] })).length;

  const referralBody = (clinic: ApiClient, summary = "血压165/110") => ({
    patientKind: "maternal",
    patient: { name: "孙丽" },
    gestationalWeeks: 33,
    riskGrade: "orange",
    urgency: "urgent",
    reasons: ["子痫前期"],
    clinicalSummary: summary,
    fromInstitutionId: clinic.institutionId,
    requestedBy: "周医生",
    occurredAt: clock.iso(),
  });

  const requestTransfer = async (clinic: ApiClient) => {
    const answer = await clinic.command("/api/transfers", {
      patientKind: "maternal",
      patient: { name: "孙丽" },
      riskGrade: "orange",
      originInstitutionId: clinic.institutionId,
      destinationInstitutionId: institutionOfKind(region, "maternal_rescue_centre").id,
      veryCritical: false,
      clinicalSummary: "需转运",
      requestedBy: "周医生",
      occurredAt: clock.iso(),
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.id as string;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "mtc-idem-"));
    service = await start();
    region = (await (await login("clinic")).get("/api/reference")).body;
  });
  afterAll(async () => {
    await service?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("ADR 2: a refused command retried after a restart gets the same refusal, though the state now allows it", async () => {
    const clinic = await login("clinic");
    const dispatcher = await login("dispatcher");
    const transferId = await requestTransfer(clinic);
    const arrival = { occurredAt: clock.advance(1) };
    const key = "arrival-before-departure-1";

    const refused = await dispatcher.command(`/api/transfers/${transferId}/arrival`, arrival, key);
    expect(refused.status).toBe(409);
    expect(refused.body.code).not.toBe("idempotency_key_reused");
    expect(await refusals()).toBe(1);

    // The transfer moves on: an arrival is now allowed.
    const ambulance = region.ambulances.find((a) => a.type === "monitored")?.id;
    for (const [step, body] of [
      ["dispatch", { ambulanceId: ambulance, dispatchedBy: "调度员赵", occurredAt: clock.advance(1) }],
      ["unit-arrived", { occurredAt: clock.advance(5) }],
      [
        "departure",
        {
          condition: { summary: "神志清", vitalSigns: { systolicBp: 130 } },
          escorts: ["周医生"],
          clinicalRecordHandedOver: true,
          occurredAt: clock.advance(5),
        },
      ],
    ] as const) {
      const answer = await dispatcher.command(`/api/transfers/${transferId}/${step}`, body);
      expect(answer.status, `${step}: ${JSON.stringify(answer.body)}`).toBe(200);
    }

    await restart();
    const again = await (await login("dispatcher")).command(
      `/api/transfers/${transferId}/arrival`,
      arrival,
      key,
    );
    expect(again.status).toBe(409);
    expect(again.body).toEqual(refused.body);
    expect(await refusals()).toBe(1);

    // A new key is a new command: decided on today's state, and allowed.
    const fresh = await (await login("dispatcher")).command(`/api/transfers/${transferId}/arrival`, {
      occurredAt: clock.advance(30),
    });
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
  });

  it("ADR 2: a key reused for another body is a 409 before and after a restart, also once it was refused", async () => {
    const dispatcher = await login("dispatcher");
    const transferId = await requestTransfer(await login("clinic"));
    const key = "refused-then-reused-1";
    const first = await dispatcher.command(
      `/api/transfers/${transferId}/arrival`,
      { occurredAt: clock.iso() },
      key,
    );
    expect(first.status).toBe(409);
    const other = { cancelledBy: "调度员赵", reason: "重复申请", occurredAt: clock.iso() };

    const before = await records();
    const reused = await dispatcher.command(`/api/transfers/${transferId}/cancel`, other, key);
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe("idempotency_key_reused");
    await restart();
    const after = await (await login("dispatcher")).command(
      `/api/transfers/${transferId}/cancel`,
      other,
      key,
    );
    expect(after.status).toBe(409);
    expect(after.body.code).toBe("idempotency_key_reused");
    expect(await records()).toBe(before);
  });

  it("ADR 2: a key first used to open a referral, then on another record, is a 409 (never 500), also after a restart", async () => {
    let clinic = await login("clinic");
    const key = "opened-a-case-0001";
    const body = referralBody(clinic);
    const created = await clinic.command("/api/referrals", body, key);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const otherReferral = await clinic.command("/api/referrals", referralBody(clinic, "另一位孕妇"));
    expect(otherReferral.status).toBe(201);
    const cancel = { cancelledBy: "周医生", reason: "重复", occurredAt: clock.iso() };
    const before = await records();
    const refusalsBefore = await refusals();

    const elsewhere = await clinic.command(`/api/referrals/${otherReferral.body.id}/cancel`, cancel, key);
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.code).toBe("idempotency_key_reused");
    // Also when the other record's decider refuses: the refusal cannot take the key's place.
    const future = new Date(clock().getTime() + 3 * 60 * 60_000).toISOString();
    const refusedElsewhere = await clinic.command(
      `/api/referrals/${otherReferral.body.id}/cancel`,
      { ...cancel, occurredAt: future },
      key,
    );
    expect(refusedElsewhere.status).toBe(409);
    expect(refusedElsewhere.body.code).toBe("idempotency_key_reused");
    const changed = await clinic.command("/api/referrals", { ...body, clinicalSummary: "改过的摘要" }, key);
    expect(changed.status).toBe(409);
    expect(changed.body.code).toBe("idempotency_key_reused");

    await restart();
    clinic = await login("clinic");
    const elsewhereAfter = await clinic.command(
      `/api/referrals/${otherReferral.body.id}/cancel`,
      cancel,
      key,
    );
    expect(elsewhereAfter.status).toBe(409);
    expect(elsewhereAfter.body.code).toBe("idempotency_key_reused");
    const changedAfter = await clinic.command(
      "/api/referrals",
      { ...body, clinicalSummary: "改过的摘要" },
      key,
    );
    expect(changedAfter.status).toBe(409);
    expect(changedAfter.body.code).toBe("idempotency_key_reused");
    // The first request itself still gets its first answer, with the same case id.
    const retried = await clinic.command("/api/referrals", body, key);
    expect(retried.status).toBe(201);
    expect(retried.body).toEqual(created.body);
    expect(await records()).toBe(before);
    // No refusal was recorded under the key: none may shadow its first answer.
    expect(await refusals()).toBe(refusalsBefore);
  });

  it("two instances on one data directory answer a retry sent to B with A's answer", async () => {
    const second = await startService(
      loadConfig({ MTC_MODE: "demo", PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "silent" }),
      { clock },
    );
    try {
      const onA = { clinic: await login("clinic"), dispatcher: await login("dispatcher") };
      const onB = {
        clinic: await apiClient(second.url, "clinic"),
        dispatcher: await apiClient(second.url, "dispatcher"),
      };
      const body = referralBody(onA.clinic, "两个实例");
      const created = await onA.clinic.command("/api/referrals", body, "two-instances-create-1");
      expect(created.status).toBe(201);
      const retried = await onB.clinic.command("/api/referrals", body, "two-instances-create-1");
      expect(retried.status).toBe(201);
      expect(retried.body).toEqual(created.body);

      const transferId = await requestTransfer(onA.clinic);
      const arrival = { occurredAt: clock.iso() };
      const refused = await onA.dispatcher.command(
        `/api/transfers/${transferId}/arrival`,
        arrival,
        "two-inst-refused-1",
      );
      expect(refused.status).toBe(409);
      const refusedOnB = await onB.dispatcher.command(
        `/api/transfers/${transferId}/arrival`,
        arrival,
        "two-inst-refused-1",
      );
      expect(refusedOnB.status).toBe(409);
      expect(refusedOnB.body).toEqual(refused.body);
      const reusedOnB = await onB.dispatcher.command(
        `/api/transfers/${transferId}/cancel`,
        { cancelledBy: "调度员赵", reason: "测试", occurredAt: clock.iso() },
        "two-inst-refused-1",
      );
      expect(reusedOnB.status).toBe(409);
      expect(reusedOnB.body.code).toBe("idempotency_key_reused");
    } finally {
      await second.close();
    }
  });
});
