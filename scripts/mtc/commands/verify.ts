import { readFileSync } from "node:fs";
import { type SignedHead, verifyLog } from "@mtc/eventstore";
import {
  CliError,
  type CommonOptions,
  dataDirOf,
  EXIT,
  eventLogPath,
  type MtcCommand,
  openLogReadOnly,
  progress,
  withCommonOptions,
} from "../cli.js";

interface VerifyOptions extends CommonOptions {
  trustedHead?: string;
  publicKey?: string;
}

const readJson = (file: string, what: string): unknown => {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new CliError(
      `cannot read ${what} ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
};

/**
 * `pnpm mtc verify`: walks the whole hash-chained log (ADR 6) and names the first broken position and what is
 * wrong with it (edited, missing, reordered, inserted, truncated). Exit 1 when anything is wrong.
 */
export const verify: MtcCommand = {
  name: "verify",
  register: (command) =>
    withCommonOptions(
      command
        .description("verify the hash chain of the whole event log; exit 1 naming the first break")
        .option(
          "--trusted-head <file>",
          "a signed head an auditor holds (JSON from GET /api/integrity/head); default: the one beside the log",
        )
        .option("--public-key <file>", "only heads signed with this Ed25519 public key (PEM) count"),
    ).action(async (options: VerifyOptions) => {
      const dataDir = dataDirOf(options);
      // Refuses a directory without a log before anything else, with the same words as every command.
      openLogReadOnly(dataDir).close();
      const trusted = options.trustedHead
        ? (readJson(options.trustedHead, "trusted head") as { head?: SignedHead } & SignedHead)
        : undefined;
      const publicKey = options.publicKey ? readFileSync(options.publicKey, "utf8") : undefined;
      let bar: ReturnType<typeof progress> | undefined;
      const result = await verifyLog({
        path: eventLogPath(dataDir),
        ...(trusted ? { trustedHead: trusted.head ?? trusted } : {}),
        ...(publicKey ? { publicKey } : {}),
        onProgress: ({ checked, head }) => {
          bar ??= progress({ total: Math.max(1, head), unit: "events", quiet: options.quiet });
          bar.update(checked);
        },
      });
      const summary = result.firstBreak
        ? `BROKEN at position ${result.firstBreak.position}${result.firstBreak.streamId ? ` (${result.firstBreak.streamId})` : ""}: ${result.firstBreak.kind} — ${result.firstBreak.detail}`
        : `ok: ${result.checked.toLocaleString("en-US")} events verified up to position ${result.lastPosition}, ${result.headsChecked} signed heads checked, last hash ${result.lastHash}`;
      if (bar) bar.finish(summary);
      else process.stdout.write(`${summary}\n`);
      if (!result.ok) process.exitCode = EXIT.failed;
    }),
};
