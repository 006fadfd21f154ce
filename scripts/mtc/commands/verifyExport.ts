import { readFileSync } from "node:fs";
import { verifyExport as verifyCaseExport } from "@mtc/eventstore";
import { CliError, EXIT, type MtcCommand } from "../cli.js";

/**
 * `pnpm mtc verify-export FILE`: checks a case export (`GET /api/cases/{id}/export`) offline, with no database:
 * its signature, each stream's chain, each event's global link and the signed head. Exit 1 when anything fails.
 */
export const verifyExport: MtcCommand = {
  name: "verify-export",
  register: (command) =>
    command
      .description("check a case export offline (no database); exit 1 listing what does not verify")
      .argument("<file>", "the JSON document GET /api/cases/{id}/export returned")
      .option("--public-key <file>", "require this Ed25519 public key (PEM) instead of the one in the export")
      .option("-q, --quiet", "print one summary line", false)
      .action((file: string, options: { publicKey?: string; quiet: boolean }) => {
        let input: unknown;
        try {
          input = JSON.parse(readFileSync(file, "utf8"));
        } catch (error) {
          throw new CliError(
            `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        const publicKey = options.publicKey ? readFileSync(options.publicKey, "utf8") : undefined;
        const result = verifyCaseExport(input, publicKey ? { publicKey } : {});
        const summary = result.ok
          ? `ok: case ${result.caseId}, ${result.events} events in ${result.streams} streams verified${result.headCoversExport ? ", covered by a signed head" : ""}`
          : `NOT VERIFIED: ${result.problems.length} problem(s)`;
        process.stdout.write(`${summary}\n`);
        if (!options.quiet) for (const problem of result.problems) process.stdout.write(`  - ${problem}\n`);
        if (!result.ok) process.exitCode = EXIT.failed;
      }),
};
