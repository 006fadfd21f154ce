import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../src/service.js";
import { apiClient, type Harness, startHarness, testClock } from "./harness.js";

/** Health data is sensitive: logs carry request ids, never the patient's identity or the token. */
describe("privacy", () => {
  const clock = testClock("2026-11-24T12:00:00.000Z");
  const lines: string[] = [];
  let harness: Harness;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    harness = await startHarness(clock, {}, createLogger({ logLevel: "trace" }, sink));
  });
  afterAll(async () => harness?.stop());

  it("a referral with a name, ID number and phone leaves none of them in the log", async () => {
    const clinic = await apiClient(harness.service.url, "clinic");
    const answer = await clinic.command("/api/referrals", {
      patientKind: "maternal",
      patient: { name: "欧阳娜娜", idCardNumber: "11010519491231002X", phone: "13700001111" },
      riskGrade: "red",
      urgency: "emergency",
      reasons: ["胎盘早剥"],
      clinicalSummary: "腹痛伴出血",
      fromInstitutionId: clinic.institutionId,
      requestedBy: "吴医生",
      occurredAt: clock.iso(),
    });
    expect(answer.status).toBe(201);
    const bad = await clinic.command("/api/referrals", {
      patient: { name: "欧阳娜娜", phone: "13700001111" },
    });
    expect(bad.status).toBe(400);
    const log = lines.join("");
    expect(log).toContain("reqId");
    for (const secret of ["欧阳娜娜", "11010519491231002X", "13700001111", clinic.token]) {
      expect(log).not.toContain(secret);
    }
  });
});
