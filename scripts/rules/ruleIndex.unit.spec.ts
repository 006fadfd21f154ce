import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { collectCitations, parseRules, problems, ROOT, render, SOURCE } from "./ruleIndex.js";

const rules = parseRules(readFileSync(path.join(ROOT, SOURCE), "utf8"));

describe("the rule index (docs/rules.md)", () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "mtc-rules-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("reads every rule of the source tables with its text, source and section", () => {
    expect(rules).toHaveLength(50);
    expect(new Set(rules.map((r) => r.id)).size).toBe(50);
    const trf8 = rules.find((r) => r.id === "R-TRF-8");
    expect(trf8?.source).toBe("000 §十二(十)");
    expect(trf8?.section).toBe("Emergency transfer (TRF)");
    expect(rules.every((r) => r.text.length > 10)).toBe(true);
  });

  it("finds rule ids in test titles, also across lines, and in product code, not in scripts' code", () => {
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(tmp, file)), { recursive: true });
      writeFileSync(path.join(tmp, file), text);
    };
    write("packages/a/src/record.ts", "// 000 §十二(十), R-TRF-8: the record holds the departure\n");
    write(
      "packages/a/src/record.unit.spec.ts",
      'describe("records", () => {\n  it(\n    "R-TRF-8: a departure without condition is incomplete",\n    () => {},\n  );\n});\n// R-TRF-9 in a comment is no title\n',
    );
    write("scripts/tool.ts", "// R-REF-3 mentioned by a script\n");
    const citations = collectCitations(tmp);
    expect([...(citations.tests.get("R-TRF-8")?.keys() ?? [])]).toEqual([
      "packages/a/src/record.unit.spec.ts",
    ]);
    expect([...(citations.code.get("R-TRF-8") ?? [])]).toEqual(["packages/a/src/record.ts"]);
    expect(citations.tests.has("R-TRF-9")).toBe(false);
    expect(citations.code.has("R-REF-3")).toBe(false);
  });

  it("fails for code citing a rule no test names, and for unknown ids; an uncited rule is open, not a failure", () => {
    const tests = new Map([["R-TRF-8", new Map([["t.spec.ts", ["R-TRF-8: …"]]])]]);
    const code = new Map([
      ["R-TRF-8", new Set(["a.ts"])],
      ["R-REF-3", new Set(["b.ts"])],
      ["R-XYZ-1", new Set(["c.ts"])],
    ]);
    expect(problems(rules, { tests, code })).toEqual([
      "R-REF-3 is cited by b.ts but no test title names it",
      `R-XYZ-1 is cited in c.ts but is not in ${SOURCE}`,
    ]);
    const text = render(rules, { tests, code });
    expect(text).toMatch(/\| R-TRF-8 \|[^\n]*\| implemented \| `t\.spec\.ts` \(1\) \| `a\.ts` \|/);
    expect(text).toMatch(/\| R-REF-3 \|[^\n]*\| open \| - \| `b\.ts` \|/);
    expect(text).toMatch(/\| R-BLD-1 \|[^\n]*\| open \| - \| - \|/);
    expect(text).toContain("50 rules: 1 implemented, 49 open.");
  });
});
