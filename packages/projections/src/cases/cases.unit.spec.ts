import { describe, expect, it } from "vitest";
import { at, createLog, data, project } from "../testing/fixtures.js";
import { casesProjection, findCases } from "./index.js";

describe("case registry", () => {
  const fold = () => {
    const log = createLog();
    log.record("referral-r1", "ReferralRequested", data.referralRequested("r1", "c1", 0), { caseId: "c1" });
    log.record("transfer-t1", "TransferRequested", data.transferRequested("t1", "c1", 6), { caseId: "c1" });
    log.record("referral-r2", "ReferralRequested", data.referralRequested("r2", "c2", 30), { caseId: "c2" });
    let state = casesProjection.initialState();
    for (const e of project(log.events)) state = casesProjection.evolve(state, e);
    return state;
  };

  it("gathers a case's referrals, transfers and institutions", () => {
    const c1 = fold().cases.c1;
    expect(c1?.referralIds).toEqual(["r1"]);
    expect(c1?.transferIds).toEqual(["t1"]);
    expect(c1?.openedAt).toBe(at(0));
    expect(c1?.institutionIds.length).toBeGreaterThanOrEqual(2);
  });

  it("finds cases by id, institution and opening time, most recent first", () => {
    const state = fold();
    expect(findCases(state, {}).map((c) => c.caseId)).toEqual(["c2", "c1"]);
    expect(findCases(state, { caseId: "C1" }).map((c) => c.caseId)).toEqual(["c1"]);
    expect(findCases(state, { from: new Date(at(10)) }).map((c) => c.caseId)).toEqual(["c2"]);
    expect(findCases(state, { to: new Date(at(10)) }).map((c) => c.caseId)).toEqual(["c1"]);
    const institution = state.cases.c1?.institutionIds[0] as string;
    expect(findCases(state, { institutionId: institution }).map((c) => c.caseId)).toContain("c1");
    expect(findCases(state, { institutionId: "nowhere" })).toEqual([]);
  });
});
