import type { ReferenceData } from "@mtc/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiClient,
  apiClient,
  type Harness,
  institutionOfKind,
  newKey,
  startHarness,
  testClock,
  writtenEvents,
} from "./harness.js";

/** Issue 8 finding 1 (case join leak) and finding 2 (ids that poison lookups), through the API. */
describe("case identity is the server's", () => {
  const clock = testClock("2026-11-24T08:00:00.000Z");
  let harness: Harness;
  let clinic: ApiClient;
  let centre: ApiClient;
  let county: ApiClient;
  let dispatcher: ApiClient;
  let auditor: ApiClient;
  let region: ReferenceData;
  let caseId: string;
  let transferId: string;

  const referralBody = (from: ApiClient, name: string, overrides: Record<string, unknown> = {}) => ({
    patientKind: "maternal",
    patient: { name, idCardNumber: "11010519491231002X", phone: "13912345678" },
    gestationalWeeks: 30,
    riskGrade: "orange",
    urgency: "urgent",
    reasons: ["妊娠期高血压"],
    clinicalSummary: "血压160/110",
    fromInstitutionId: from.institutionId,
    requestedBy: "周医生",
    occurredAt: clock.iso(),
    ...overrides,
  });
  const eventCount = async () => (await writtenEvents(harness.service)).length;

  beforeAll(async () => {
    harness = await startHarness(clock);
    const base = harness.service.url;
    clinic = await apiClient(base, "clinic");
    centre = await apiClient(base, "centre");
    county = await apiClient(base, "county");
    dispatcher = await apiClient(base, "dispatcher");
    auditor = await apiClient(base, "auditor");
    region = (await clinic.get("/api/reference")).body;
    // The case of the clinic (sender) and the rescue centre (receiver).
    const created = await clinic.command(
      "/api/referrals",
      referralBody(clinic, "刘芳", { riskGrade: "red" }),
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    caseId = created.body.caseId;
    const transfer = await clinic.command("/api/transfers", {
      caseId,
      referralId: created.body.id,
      patientKind: "maternal",
      patient: { name: "刘芳" },
      riskGrade: "red",
      originInstitutionId: clinic.institutionId,
      destinationInstitutionId: institutionOfKind(region, "maternal_rescue_centre").id,
      veryCritical: false,
      clinicalSummary: "需转运",
      requestedBy: "周医生",
      occurredAt: clock.advance(1),
    });
    expect(transfer.status, JSON.stringify(transfer.body)).toBe(201);
    expect(transfer.body.caseId).toBe(caseId);
    transferId = transfer.body.id;
  });
  afterAll(async () => harness?.stop());

  it("a new referral without a case id opens a case named <REGION>-<YYYY>-<6>; a retry opens the same one", async () => {
    const key = newKey();
    const body = referralBody(clinic, "陈静");
    const first = await clinic.command("/api/referrals", body, key);
    expect(first.status).toBe(201);
    expect(first.body.caseId).toMatch(/^JC-2026-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}$/);
    expect(first.body.caseId).not.toBe(caseId);
    const again = await clinic.command("/api/referrals", body, key);
    expect(again.body.caseId).toBe(first.body.caseId);
  });

  it("the year is Beijing's: 31 December 16:30 UTC is already the next year in Asia/Shanghai", async () => {
    const late = testClock("2026-12-31T16:30:00.000Z");
    const other = await startHarness(late);
    try {
      const client = await apiClient(other.service.url, "clinic");
      const answer = await client.command("/api/referrals", {
        ...referralBody(client, "何梅"),
        occurredAt: late.iso(),
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      expect(answer.body.caseId).toMatch(/^JC-2027-/);
    } finally {
      await other.stop();
    }
  });

  it("regression (issue 8 finding 1): another hospital joining a case by its id gets 404, writes nothing, reads nothing", async () => {
    const before = await eventCount();
    const joined = await county.command(
      "/api/referrals",
      referralBody(county, "冒名", { caseId, riskGrade: "green" }),
    );
    const unknown = await county.command(
      "/api/referrals",
      referralBody(county, "冒名", { caseId: "JC-2026-ZZZZZZ", riskGrade: "green" }),
    );
    expect(joined.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(joined.body.detail).toBe(`case ${caseId} does not exist`);
    expect(Object.keys(joined.body).sort()).toEqual(Object.keys(unknown.body).sort());
    expect(await eventCount()).toBe(before);

    for (const path of [`/api/cases/${caseId}/timeline`, `/api/cases/${caseId}/timeline.csv`]) {
      expect((await county.get(path)).status, path).toBe(404);
    }
    expect((await county.get(`/api/transfers/${transferId}/record`)).status).toBe(404);
    expect((await county.get(`/api/cases?caseId=${caseId}`)).body.cases).toEqual([]);
    // The case summary keeps its own patient and grade: the join never happened.
    const summary = (await auditor.get(`/api/cases?caseId=${caseId}`)).body.cases[0];
    expect(summary).toMatchObject({ caseId, patient: { name: "刘芳" }, riskGrade: "red" });
  });

  it("a transfer or off-protocol arrival joining another's case is 404 too; a party and the dispatcher may continue it", async () => {
    const before = await eventCount();
    const transfer = (from: ApiClient, overrides: Record<string, unknown>) =>
      from.command("/api/transfers", {
        patientKind: "maternal",
        patient: { name: "刘芳" },
        riskGrade: "red",
        originInstitutionId: clinic.institutionId,
        destinationInstitutionId: institutionOfKind(region, "maternal_rescue_centre").id,
        veryCritical: false,
        clinicalSummary: "再次转运",
        requestedBy: "周医生",
        occurredAt: clock.iso(),
        ...overrides,
      });
    const countyTransfer = await transfer(county, { caseId, originInstitutionId: county.institutionId });
    expect(countyTransfer.status).toBe(404);
    const arrival = await county.command("/api/referrals/off-protocol-arrivals", {
      caseId,
      patientKind: "maternal",
      patient: { name: "冒名" },
      riskGrade: "green",
      institutionId: county.institutionId,
      clinicalSummary: "自行来院",
      receivedBy: "某医生",
      occurredAt: clock.iso(),
    });
    expect(arrival.status).toBe(404);
    expect(await eventCount()).toBe(before);

    const byDispatcher = await transfer(dispatcher, { caseId });
    expect(byDispatcher.status, JSON.stringify(byDispatcher.body)).toBe(201);
    expect(byDispatcher.body.caseId).toBe(caseId);
    const unknownByDispatcher = await transfer(dispatcher, { caseId: "JC-2026-ZZZZZZ" });
    expect(unknownByDispatcher.status).toBe(404);
    const receiverContinues = await centre.command("/api/referrals/off-protocol-arrivals", {
      caseId,
      patientKind: "maternal",
      patient: { name: "刘芳" },
      riskGrade: "red",
      institutionId: centre.institutionId,
      clinicalSummary: "到院",
      receivedBy: "张主任",
      occurredAt: clock.iso(),
    });
    expect(receiverContinues.status, JSON.stringify(receiverContinues.body)).toBe(201);
    expect(receiverContinues.body.caseId).toBe(caseId);
  });

  it("a transfer naming a referral joins that referral's case; another hospital's referral is as unknown; another case is 409", async () => {
    const transfer = (from: ApiClient, overrides: Record<string, unknown>) => ({
      patientKind: "maternal",
      patient: { name: "刘芳" },
      riskGrade: "red",
      originInstitutionId: from.institutionId,
      destinationInstitutionId: institutionOfKind(region, "maternal_rescue_centre").id,
      veryCritical: false,
      clinicalSummary: "需转运",
      requestedBy: "周医生",
      occurredAt: clock.advance(1),
      ...overrides,
    });
    const referral = await clinic.command("/api/referrals", referralBody(clinic, "杨丽"));
    expect(referral.status).toBe(201);
    // Without a case id, the transfer takes the referral's case (it does not open a new one).
    const own = await clinic.command("/api/transfers", transfer(clinic, { referralId: referral.body.id }));
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    expect(own.body.caseId).toBe(referral.body.caseId);

    const before = await eventCount();
    const foreign = await county.command(
      "/api/transfers",
      transfer(county, { referralId: referral.body.id }),
    );
    const unknown = await county.command(
      "/api/transfers",
      transfer(county, { referralId: "RNOSUCHREFERRAL1" }),
    );
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(foreign.body.detail.replace(referral.body.id, "<id>")).toBe(
      unknown.body.detail.replace("RNOSUCHREFERRAL1", "<id>"),
    );
    const elsewhere = await clinic.command(
      "/api/transfers",
      transfer(clinic, { referralId: referral.body.id, caseId }),
    );
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.code).toBe("referral_of_another_case");
    // Refusals that are decisions are recorded (ADR 2); nothing else was written.
    const written = (await writtenEvents(harness.service)).slice(before);
    expect(
      written.filter((e) => e.streamId.startsWith("transfer-") || e.streamId.startsWith("case-")),
    ).toEqual([]);
  });

  it("another hospital acting on a record answers the 404 of an unknown record; a role that may never do it, 403", async () => {
    const body = { ambulanceId: region.ambulances[0]?.id, dispatchedBy: "某人", occurredAt: clock.iso() };
    // A hospital may never dispatch: 403 whether or not the transfer exists.
    expect((await county.command(`/api/transfers/${transferId}/dispatch`, body)).status).toBe(403);
    expect((await county.command("/api/transfers/TNOSUCH/dispatch", body)).status).toBe(403);
    const cancel = { cancelledBy: "某人", reason: "测试", occurredAt: clock.iso() };
    const foreign = await county.command(`/api/transfers/${transferId}/cancel`, cancel);
    const unknown = await county.command("/api/transfers/TNOSUCH/cancel", cancel);
    expect([foreign.status, unknown.status]).toEqual([404, 404]);
    expect(foreign.body.detail).toBe(`record transfer-${transferId} does not exist`);
    expect(unknown.body.detail).toBe("record transfer-TNOSUCH does not exist");
  });

  it("ids named like Object.prototype members are ordinary unknown ids everywhere (issue 8 finding 2)", async () => {
    const recordEvents = async () =>
      (await harness.service.store.readAll({ maxCount: 10_000, categories: ["referral", "transfer"] }))
        .length;
    const before = await recordEvents();
    for (const id of ["constructor", "toString", "hasOwnProperty", "valueOf", "isPrototypeOf"]) {
      for (const reader of [auditor, clinic]) {
        for (const path of [
          `/api/cases/${id}/timeline`,
          `/api/cases/${id}/timeline.csv`,
          `/api/transfers/${id}/record`,
        ]) {
          expect((await reader.get(path)).status, path).toBe(404);
        }
        const found = await reader.get(`/api/cases?caseId=${id}&institutionId=${id}`);
        expect(found.status).toBe(200);
        expect(found.body.cases).toEqual([]);
      }
      expect((await auditor.get(`/api/cases/${id}/timeline-reads`)).status).toBe(200);
      const accept = await centre.command(`/api/referrals/${id}/accept`, {
        acceptedBy: "张主任",
        occurredAt: clock.iso(),
      });
      expect(accept.status).toBe(404);
      const joined = await clinic.command("/api/referrals", referralBody(clinic, "王芳", { caseId: id }));
      expect(joined.status).toBe(404);
      const redirected = await clinic.command(
        "/api/referrals",
        referralBody(clinic, "王芳", { toInstitutionId: id }),
      );
      expect(redirected.status).toBe(409);
      expect(redirected.body.code).toBe("unknown_institution");
      const transfer = await dispatcher.command("/api/transfers", {
        patientKind: "maternal",
        patient: { name: "王芳" },
        riskGrade: "orange",
        originInstitutionId: id,
        destinationInstitutionId: id,
        veryCritical: false,
        clinicalSummary: "测试",
        requestedBy: "调度员",
        occurredAt: clock.iso(),
      });
      expect(transfer.status).toBe(409);
    }
    // `__proto__` is no id at all: 400 at the edge.
    expect((await auditor.get("/api/cases/__proto__/timeline")).status).toBe(400);
    expect((await auditor.get("/api/cases?institutionId=__proto__")).status).toBe(400);
    // Only refusals were recorded; the records and the projections are untouched and live.
    expect(await recordEvents()).toBe(before);
    const health = await fetch(`${harness.service.url}/health`);
    expect(health.status).toBe(200);
    expect((await auditor.get(`/api/cases/${caseId}/timeline`)).status).toBe(200);
    expect((await auditor.get("/api/board")).status).toBe(200);
  });
});
