import { describe, expect, it } from "vitest";
import { referralDecider } from "../referral/decide.js";
import { fixtureContext, fixtureReference, minutesAgo } from "../testing/fixture.js";
import { isHighRisk, RiskGrade, riskSeverity } from "./risk.js";

describe("five-colour risk grading (002 二(三)(四), 003 (二)5)", () => {
  it("R-RISK-1: exactly five grades, green yellow orange red purple; anything else is refused", () => {
    expect(RiskGrade.options).toEqual(["green", "yellow", "orange", "red", "purple"]);
    expect(RiskGrade.safeParse("blue").success).toBe(false);
    expect(riskSeverity.red).toBeGreaterThan(riskSeverity.orange);
    expect(riskSeverity.orange).toBeGreaterThan(riskSeverity.yellow);
  });

  it("R-RISK-2: orange, red and purple enter high-risk case management (专案管理); green and yellow do not", () => {
    expect(RiskGrade.options.filter(isHighRisk)).toEqual(["orange", "red", "purple"]);
  });

  it("R-RISK-4: a red woman referred without a named destination goes to the zone's tertiary rescue centre (000 §八(一))", () => {
    const decision = referralDecider.decide(
      {
        type: "RequestReferral",
        referralId: "r1",
        data: {
          caseId: "case1",
          patientKind: "maternal",
          patient: { name: "王小红" },
          riskGrade: "red",
          urgency: "emergency",
          reasons: ["产前出血"],
          clinicalSummary: "孕34周，阴道出血",
          fromInstitutionId: "clinic1",
          requestedBy: "李医生",
          occurredAt: minutesAgo(5),
        },
      },
      referralDecider.initialState(),
      fixtureContext(),
    );
    if (!Array.isArray(decision)) throw new Error(`refused: ${JSON.stringify(decision)}`);
    const to = (decision[0] as { data: { toInstitutionId: string } }).data.toInstitutionId;
    expect(fixtureReference.institutions.find((i) => i.id === to)?.level).toBe(3);
  });
});
