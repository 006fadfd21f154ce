import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient, type Harness, startHarness, testClock } from "./harness.js";

/** Finding a case again, and taking its timeline away as CSV. */
describe("case search and timeline export", () => {
  const clock = testClock("2026-11-24T09:00:00.000Z");
  let harness: Harness;
  let auditor: ApiClient;
  const caseIds: string[] = [];
  let firstCase = "";
  let secondCase = "";

  beforeAll(async () => {
    harness = await startHarness(clock);
    const clinic = await apiClient(harness.service.url, "clinic");
    auditor = await apiClient(harness.service.url, "auditor");
    for (const name of ["陈美玲", "黄丽"]) {
      clock.advance(30);
      const answer = await clinic.command("/api/referrals", {
        patientKind: "maternal",
        patient: { name, phone: "13900002222" },
        riskGrade: "orange",
        urgency: "urgent",
        reasons: ["瘢痕子宫"],
        clinicalSummary: "孕36周",
        fromInstitutionId: clinic.institutionId,
        requestedBy: "林医生",
        occurredAt: clock.iso(),
      });
      expect(answer.status).toBe(201);
      caseIds.push(answer.body.caseId);
    }
    [firstCase, secondCase] = caseIds as [string, string];
  });
  afterAll(async () => harness?.stop());

  const ids = (answer: { body: { cases: { caseId: string }[] } }) => answer.body.cases.map((c) => c.caseId);

  it("finds by case id, name, institution and opening time", async () => {
    expect(ids(await auditor.get(`/api/cases?caseId=${firstCase.slice(-6).toLowerCase()}`))).toEqual([
      firstCase,
    ]);
    expect(ids(await auditor.get(`/api/cases?name=${encodeURIComponent("黄")}`))).toEqual([secondCase]);
    expect(ids(await auditor.get("/api/cases?institutionId=qc_shiqiao_thc"))).toEqual([
      secondCase,
      firstCase,
    ]);
    const from = encodeURIComponent("2026-11-24T09:45:00.000Z");
    expect(ids(await auditor.get(`/api/cases?from=${from}`))).toEqual([secondCase]);
    const found = await auditor.get(`/api/cases?caseId=${firstCase}`);
    expect(found.body.cases[0]).toMatchObject({ patient: { name: "陈美玲" }, riskGrade: "orange" });
  });

  it("answers a page at a time, most recent first; `next` continues; a forged cursor is a 400 naming it", async () => {
    for (const query of ["institutionId=qc_shiqiao_thc&", ""]) {
      const first = await auditor.get(`/api/cases?${query}limit=1`);
      expect(ids(first)).toEqual([secondCase]);
      expect(first.body.next).toEqual(expect.any(String));
      const second = await auditor.get(`/api/cases?${query}limit=1&after=${first.body.next}`);
      expect(ids(second)).toEqual([firstCase]);
      // Two cases: the second page is the last.
      expect(second.body.next).toBeUndefined();
    }
    const all = await auditor.get("/api/cases?limit=2");
    expect(ids(all)).toEqual([secondCase, firstCase]);
    expect(all.body.next).toBeUndefined();
    for (const forged of [
      "not+base64",
      Buffer.from('["yesterday","x"]').toString("base64url"),
      Buffer.from('{"a":1}').toString("base64url"),
      "AAAA",
    ]) {
      const answer = await auditor.get(`/api/cases?after=${encodeURIComponent(forged)}`);
      expect(answer.status, forged).toBe(400);
      expect(answer.body.errors.map((e: { path: string }) => e.path)).toEqual(["querystring.after"]);
    }
    expect((await auditor.get("/api/cases?limit=0")).status).toBe(400);
    expect((await auditor.get("/api/cases?limit=201")).status).toBe(400);
  });

  it("a dispatcher sees names masked and may not search by name; other hospitals see nothing", async () => {
    const dispatcher = await apiClient(harness.service.url, "dispatcher");
    expect((await dispatcher.get(`/api/cases?name=${encodeURIComponent("黄")}`)).status).toBe(403);
    const masked = await dispatcher.get(`/api/cases?caseId=${firstCase}`);
    expect(masked.body.cases[0].patient.name).toBe("陈**");
    const county = await apiClient(harness.service.url, "county");
    expect(ids(await county.get("/api/cases"))).toEqual([]);
  });

  it("exports the timeline as CSV, and the export is recorded as a read", async () => {
    const response = await fetch(`${harness.service.url}/api/cases/${firstCase}/timeline.csv`, {
      headers: { authorization: `Bearer ${auditor.token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/csv");
    const text = await response.text();
    const lines = text
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\n");
    expect(lines[0]).toBe(
      "occurredAt,recordedAt,type,userId,role,institutionId,streamId,position,lateEntry,data",
    );
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("ReferralRequested");
    const reads = await auditor.get(`/api/cases/${firstCase}/timeline-reads`);
    const downloads = reads.body.reads.filter((r: { kind: string }) => r.kind === "timeline_csv");
    expect(downloads).toMatchObject([{ userId: "auditor", caseIds: [firstCase] }]);
  });
});
