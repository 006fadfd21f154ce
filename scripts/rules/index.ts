import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { collectCitations, parseRules, problems, ROOT, render, SOURCE, TARGET } from "./ruleIndex.js";

/**
 *   pnpm rules:index   writes docs/rules.md
 *   pnpm rules:check   fails when docs/rules.md is out of date, when code cites a rule that no test names, or
 *                      when anything cites an id that is not in the index; rules nobody cites yet are open
 */
const main = (): void => {
  const rules = parseRules(readFileSync(path.join(ROOT, SOURCE), "utf8"));
  const citations = collectCitations();
  const text = render(rules, citations);
  if (!process.argv.includes("--check")) {
    writeFileSync(path.join(ROOT, TARGET), text);
    process.stdout.write(`${TARGET}: ${rules.length} rules written\n`);
    return;
  }
  const found = problems(rules, citations);
  let current = "";
  try {
    current = readFileSync(path.join(ROOT, TARGET), "utf8");
  } catch {
    found.push(`${TARGET} is missing: run pnpm rules:index`);
  }
  if (current && current !== text) found.push(`${TARGET} is out of date: run pnpm rules:index and commit it`);
  if (found.length > 0) {
    process.stderr.write(`rules:check failed:\n${found.map((p) => `  - ${p}`).join("\n")}\n`);
    process.exit(1);
  }
  process.stdout.write(`rules:check: ${TARGET} is current; every rule cited by code is named by a test\n`);
};

main();
