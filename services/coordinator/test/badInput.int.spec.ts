import type { ReferenceData } from "@mtc/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BODY_LIMIT_BYTES } from "../src/app.js";
import {
  type ApiClient,
  apiClient,
  type Harness,
  institutionOfKind,
  startHarness,
  testClock,
  writtenEvents,
} from "./harness.js";

/** Bad input gets a clear 4xx and writes nothing; the server stays up. */
describe("bad input", () => {
  const clock = testClock("2026-11-24T08:00:00.000Z");
  let harness: Harness;
  let clinic: ApiClient;
  let county: ApiClient;
  let auditor: ApiClient;
  let dispatcher: ApiClient;
  let region: ReferenceData;
  let referralId: string;
  let transferId: string;

  let caseId: string;

  const referralBody = (overrides: Record<string, unknown> = {}) => ({
    patientKind: "maternal",
    patient: { name: "刘芳", idCardNumber: "11010519491231002X", phone: "13912345678" },
    gestationalWeeks: 32,
    riskGrade: "orange",
    urgency: "urgent",
    reasons: ["妊娠期高血压"],
    clinicalSummary: "血压160/110",
    fromInstitutionId: clinic.institutionId,
    requestedBy: "周医生",
    occurredAt: clock.iso(),
    ...overrides,
  });

  const eventCount = async () => (await writtenEvents(harness.service)).length;
  /** Events of the record itself: a refusal (409) is recorded in its own `refusal-` stream (ADR 2). */
  const recordEventCount = async () =>
    (await harness.service.store.readAll({ maxCount: 10_000, categories: ["referral", "transfer"] })).length;

  beforeAll(async () => {
    harness = await startHarness(clock);
    const base = harness.service.url;
    clinic = await apiClient(base, "clinic");
    county = await apiClient(base, "county");
    auditor = await apiClient(base, "auditor");
    dispatcher = await apiClient(base, "dispatcher");
    region = (await clinic.get("/api/reference")).body;
    const created = await clinic.command("/api/referrals", referralBody());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    referralId = created.body.id;
    caseId = created.body.caseId;
    const transfer = await clinic.command("/api/transfers", {
      caseId,
      patientKind: "maternal",
      patient: { name: "刘芳" },
      riskGrade: "orange",
      originInstitutionId: clinic.institutionId,
      destinationInstitutionId: institutionOfKind(region, "maternal_rescue_centre").id,
      veryCritical: false,
      clinicalSummary: "需转运",
      requestedBy: "周医生",
      occurredAt: clock.iso(),
    });
    expect(transfer.status, JSON.stringify(transfer.body)).toBe(201);
    transferId = transfer.body.id;
  });
  afterAll(async () => harness?.stop());

  const expectNothingWritten = async (before: number) => expect(await eventCount()).toBe(before);

  it("malformed JSON is a 400", async () => {
    const before = await eventCount();
    const answer = await clinic.raw("POST", "/api/referrals", "{ not json", {
      "content-type": "application/json",
      "idempotency-key": "malformed-json-1",
    });
    expect(answer.status).toBe(400);
    await expectNothingWritten(before);
  });

  it("unknown fields are a 400 naming the field", async () => {
    const before = await eventCount();
    const answer = await clinic.command("/api/referrals", referralBody({ favouriteColour: "blue" }));
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body.errors)).toContain("favouriteColour");
    await expectNothingWritten(before);
  });

  it("wrong types are a 400 with the field path", async () => {
    const before = await eventCount();
    const answer = await clinic.command("/api/referrals", referralBody({ gestationalWeeks: "thirty" }));
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].path).toBe("body.gestationalWeeks");
    await expectNothingWritten(before);
  });

  it("__proto__ keys are refused", async () => {
    const before = await eventCount();
    const body = JSON.stringify(referralBody()).replace("{", '{"__proto__":{"isAdmin":true},');
    const answer = await clinic.raw("POST", "/api/referrals", body, {
      "content-type": "application/json",
      "idempotency-key": "proto-poison-1",
    });
    expect(answer.status).toBe(400);
    await expectNothingWritten(before);
  });

  it("oversized bodies are a 413", async () => {
    const before = await eventCount();
    const answer = await clinic.command(
      "/api/referrals",
      referralBody({ clinicalSummary: "x".repeat(BODY_LIMIT_BYTES) }),
    );
    expect(answer.status).toBe(413);
    await expectNothingWritten(before);
  });

  it("an invalid ID-card number (GB 11643 check digit) is a 400 on that field", async () => {
    const before = await eventCount();
    const answer = await clinic.command(
      "/api/referrals",
      referralBody({ patient: { name: "刘芳", idCardNumber: "110105194912310021" } }),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].path).toBe("body.patient.idCardNumber");
    await expectNothingWritten(before);
  });

  it("an invalid phone number is a 400 on that field", async () => {
    const before = await eventCount();
    const answer = await clinic.command(
      "/api/referrals",
      referralBody({ patient: { name: "刘芳", phone: "12345" } }),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].path).toBe("body.patient.phone");
    await expectNothingWritten(before);
  });

  it("a command without an Idempotency-Key is a 400", async () => {
    const before = await eventCount();
    const answer = await clinic.raw("POST", "/api/referrals", referralBody());
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].path).toBe("headers.idempotency-key");
    await expectNothingWritten(before);
  });

  it("an impossible step order is a 409 with the reason in words", async () => {
    const before = await recordEventCount();
    const answer = await dispatcher.command(`/api/transfers/${transferId}/arrival`, {
      occurredAt: clock.iso(),
    });
    expect(answer.status).toBe(409);
    expect(answer.body.detail.length).toBeGreaterThan(10);
    expect(await recordEventCount()).toBe(before);
  });

  it("a step dated in the future is refused", async () => {
    const before = await recordEventCount();
    const future = new Date(clock().getTime() + 60 * 60_000).toISOString();
    const answer = await dispatcher.command(`/api/transfers/${transferId}/cancel`, {
      cancelledBy: "调度员",
      reason: "测试",
      occurredAt: future,
    });
    expect(answer.status).toBe(409);
    expect(await recordEventCount()).toBe(before);
  });

  it("another hospital's referral answers exactly as an unknown one (404, no existence oracle)", async () => {
    const before = await eventCount();
    const body = { acceptedBy: "某医生", occurredAt: clock.iso() };
    const foreign = await county.command(`/api/referrals/${referralId}/accept`, body);
    const unknown = await county.command("/api/referrals/RNOSUCHREFERRAL/accept", body);
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(foreign.body.detail).toBe(`record referral-${referralId} does not exist`);
    expect(Object.keys(foreign.body).sort()).toEqual(Object.keys(unknown.body).sort());
    await expectNothingWritten(before);
  });

  it("another hospital cannot read a case that does not concern it (404, as an unknown case)", async () => {
    const foreign = await county.get(`/api/cases/${caseId}/timeline`);
    const unknown = await county.get("/api/cases/JC-2026-ZZZZZZ/timeline");
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(foreign.body.detail).toBe(`case ${caseId} does not exist`);
    expect((await county.get(`/api/transfers/${transferId}/record`)).status).toBe(404);
  });

  it("an auditor cannot write (403)", async () => {
    const before = await eventCount();
    const answer = await auditor.command(`/api/referrals/${referralId}/cancel`, {
      cancelledBy: "审计员",
      reason: "试图修改",
      occurredAt: clock.iso(),
    });
    expect(answer.status).toBe(403);
    await expectNothingWritten(before);
  });

  it("unknown ids are a 404", async () => {
    const before = await eventCount();
    const answer = await dispatcher.command("/api/transfers/NOPE123/dispatch", {
      ambulanceId: region.ambulances[0]?.id,
      dispatchedBy: "调度员",
      occurredAt: clock.iso(),
    });
    expect(answer.status).toBe(404);
    expect((await auditor.get("/api/cases/NO_SUCH_CASE/timeline")).status).toBe(404);
    await expectNothingWritten(before);
  });

  it("requests without a valid token are a 401", async () => {
    const noToken = await fetch(`${harness.service.url}/api/board`);
    expect(noToken.status).toBe(401);
    const forged = await fetch(`${harness.service.url}/api/board`, {
      headers: { authorization: "Bearer abc.def.ghi" },
    });
    expect(forged.status).toBe(401);
    const wrongPassword = await fetch(`${harness.service.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "clinic", password: "wrong" }),
    });
    expect(wrongPassword.status).toBe(401);
  });

  it("a retry with the same Idempotency-Key returns the first answer and writes nothing", async () => {
    const key = "retry-same-key-0001";
    const body = referralBody();
    const first = await clinic.command("/api/referrals", body, key);
    expect(first.status).toBe(201);
    const before = await eventCount();
    const second = await clinic.command("/api/referrals", body, key);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    await expectNothingWritten(before);
    const reused = await clinic.command("/api/referrals", { ...body, clinicalSummary: "另一个请求" }, key);
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe("idempotency_key_reused");
    await expectNothingWritten(before);
  });

  it("odd query strings and path ids on the read routes are 4xx naming the parameter, never 5xx (issue 8 finding 3)", async () => {
    for (const url of [
      "/api/board?asOf=x",
      "/api/board?asOf=",
      "/api/board?asOf=2026-02-30T00:00:00Z",
      "/api/board?asOf=2026-03-01T00:00:00Z&asOf=2026-03-02T00:00:00Z",
      "/api/board?asOf=275760-09-13T00:00:00Z",
      `/api/cases/${caseId}/timeline?asOf=2026-13-01T00:00:00Z`,
      `/api/cases/${caseId}/timeline.csv?asOf=2026-03-01T08:00:00`,
      "/api/cases?from=2026-02-30T00:00:00Z",
      "/api/cases?caseId=",
      "/api/cases?caseId[]=a",
      "/api/cases?institutionId=a%2Fb",
      "/api/transfers?incompleteOnly=maybe",
      "/api/cases/%E6%A1%88/timeline",
      "/api/cases/a%2Fb/timeline",
      "/api/cases/__proto__/timeline",
      `/api/transfers/${"x".repeat(65)}/record`,
    ]) {
      const answer = await auditor.get(url);
      expect(answer.status, url).toBe(400);
      expect(answer.body.errors[0].path, url).toMatch(/^(querystring|params)\./);
    }
  });

  it("the server is still up after all of it", async () => {
    const health = await fetch(`${harness.service.url}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { store: unknown }).store).toEqual({ kind: "embedded", state: "ok" });
  });
});
