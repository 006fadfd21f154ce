import { CASE_ID_PATTERN } from "@mtc/domain";
import { describe, expect, it } from "vitest";
import { caseIdFor } from "./caseIds.js";

const region = { code: "JC", timeZone: "Asia/Shanghai" };
const commandId = "0b7a3c1e-5d2f-5a4b-9c8d-1e2f3a4b5c6d";

describe("case ids the service creates (issue 8 finding 1)", () => {
  it("are <REGION>-<YYYY>-<6 unambiguous characters> and the same for the same command", () => {
    const id = caseIdFor(region, commandId, "2026-03-01T08:00:00.000Z");
    expect(id).toMatch(CASE_ID_PATTERN);
    expect(id.startsWith("JC-2026-")).toBe(true);
    expect(caseIdFor(region, commandId, "2026-03-01T08:00:00.000Z")).toBe(id);
    expect(caseIdFor(region, "another-command", "2026-03-01T08:00:00.000Z")).not.toBe(id);
    expect(caseIdFor(region, commandId, "2026-03-01T08:00:00.000Z", 1)).not.toBe(id);
  });

  it("take the year in Beijing: 31 December 16:00 UTC is 1 January there", () => {
    expect(caseIdFor(region, commandId, "2026-12-31T15:59:59.000Z").startsWith("JC-2026-")).toBe(true);
    expect(caseIdFor(region, commandId, "2026-12-31T16:00:00.000Z").startsWith("JC-2027-")).toBe(true);
  });

  it("spread over the alphabet: 2,000 commands give 2,000 different ids", () => {
    const ids = new Set(
      Array.from({ length: 2_000 }, (_, i) => caseIdFor(region, `command-${i}`, "2026-03-01T08:00:00.000Z")),
    );
    expect(ids.size).toBe(2_000);
  });
});
