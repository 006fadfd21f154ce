import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatMatrix, type MatrixReport, runAuthorizationMatrix, type Violation } from "./authzMatrix.js";
import { type AttackFixture, startAttackFixture } from "./fixtures.js";

/**
 * Issue 8 "Standing suites": the authorization matrix, every route of the OpenAPI document × every demo role ×
 * own / foreign / unknown resource. Each test below is one pass criterion; all print the whole matrix on failure.
 */
describe("authorization matrix: every route × every role × own, foreign and unknown resources", () => {
  let fixture: AttackFixture;
  let report: MatrixReport;
  beforeAll(async () => {
    fixture = await startAttackFixture();
    report = await runAuthorizationMatrix(fixture);
    // One line for the record, whether the matrix passes or not.
    console.info(
      `authorization matrix: ${report.requests} requests, ${report.cells.length} cells (route × user × own/foreign/unknown), ${report.violations.length} violations`,
    );
  });
  afterAll(async () => fixture?.stop());

  const of = (...kinds: Violation["kind"][]) =>
    report.violations
      .filter((v) => kinds.includes(v.kind))
      .map((v) => `${v.kind}: ${v.route} as ${v.user}, ${v.scope} → ${v.status}`);

  it("covers every route of the OpenAPI document for every role", () => {
    const rows = new Set(report.cells.map((c) => c.row.split(" [")[0]));
    expect(rows.size).toBeGreaterThanOrEqual(25);
    expect(new Set(report.cells.map((c) => c.user)).size).toBe(fixture.users.length);
  });

  it("no 5xx on any route for any role", () => {
    expect(of("5xx"), formatMatrix(report, fixture.users)).toEqual([]);
  });

  it("a foreign resource answers exactly like an unknown one (issue 8 finding 1: no existence oracle)", () => {
    expect(of("foreign differs from unknown"), formatMatrix(report, fixture.users)).toEqual([]);
  });

  it("no new referral or transfer joins a case its institution is not party to (issue 8 finding 1)", () => {
    expect(of("joined a foreign case"), formatMatrix(report, fixture.users)).toEqual([]);
  });

  it("no patient identity reaches a masked role or an institution that is not party to the case", () => {
    expect(
      of("identity to a masked role", "identity of a foreign case"),
      formatMatrix(report, fixture.users),
    ).toEqual([]);
  });

  it("auditors never write", () => {
    expect(of("auditor wrote"), formatMatrix(report, fixture.users)).toEqual([]);
  });

  it("every answer carrying a patient's identity left an access record naming the case (issue 8 finding 6)", () => {
    expect(of("identity read not recorded"), formatMatrix(report, fixture.users)).toEqual([]);
  });
});
