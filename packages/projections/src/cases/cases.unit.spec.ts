import { describe, expect, it } from "vitest";
import { at, createLog, data, project } from "../testing/fixtures.js";
import { type CaseSummary, evolveCase } from "./index.js";

const fold = (log: ReturnType<typeof createLog>) => {
  const cases = new Map<string, CaseSummary>();
  for (const e of project(log.events)) {
    const caseId = e.recorded.metadata.caseId;
    cases.set(caseId, evolveCase(cases.get(caseId) ?? null, e));
  }
  return cases;
};

describe("case registry", () => {
  it("gathers a case's referrals, transfers and institutions", () => {
    const log = createLog();
    log.record("referral-r1", "ReferralRequested", data.referralRequested("r1", "c1", 0), { caseId: "c1" });
    log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 6), { caseId: "c1" });
    log.record("referral-r1", "ReferralRedirected", data.referralRedirected("r1", 7), { caseId: "c1" });
    const c1 = fold(log).get("c1");
    expect(c1?.referralIds).toEqual(["r1"]);
    expect(c1?.transferIds).toEqual(["t1"]);
    expect(c1?.openedAt).toBe(at(0));
    expect(c1?.lastEventAt).toBe(at(7));
    expect(c1?.patient.name).toBe("王芳");
    expect(c1?.institutionIds).toEqual(["clinic_1", "centre_1", "centre_2"]);
  });

  it("does not change the summary it is given", () => {
    const log = createLog();
    log.record("referral-r1", "ReferralRequested", data.referralRequested("r1", "c1", 0), { caseId: "c1" });
    log.record("referral-r1", "ReferralRedirected", data.referralRedirected("r1", 7), { caseId: "c1" });
    const [requested, redirected] = project(log.events);
    const first = evolveCase(null, requested as NonNullable<typeof requested>);
    const copy = structuredClone(first);
    evolveCase(first, redirected as NonNullable<typeof redirected>);
    expect(first).toEqual(copy);
  });
});
