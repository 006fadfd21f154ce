import { Command, CommanderError } from "commander";
import { CliError, EXIT, type MtcCommand } from "./cli.js";
import { generate } from "./commands/generate.js";
import { rebuild } from "./commands/rebuild.js";
import { status } from "./commands/status.js";
import { verify } from "./commands/verify.js";
import { verifyExport } from "./commands/verifyExport.js";

/** `pnpm mtc <command>`: the operators' command line. A new command is one file and one line here. */
const commands: readonly MtcCommand[] = [status, generate, rebuild, verify, verifyExport];

const program = new Command("mtc")
  .description("operate a maternal transfer coordination data directory")
  .exitOverride()
  .showHelpAfterError("(run with --help for usage)");
for (const command of commands) {
  const sub = program.command(command.name).exitOverride();
  command.register(sub);
}

const fail = (message: string, code: number): never => {
  process.stderr.write(`mtc: ${message}\n`);
  process.exit(code);
};

program.parseAsync(process.argv).then(
  // A command that reports a failed check itself sets process.exitCode (verify: 1 when the chain is broken).
  () => process.exit(process.exitCode ?? EXIT.ok),
  (error: unknown) => {
    if (error instanceof CommanderError) {
      // Commander has printed the message or the help: --help exits 0, anything else is a usage error.
      process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
    }
    if (error instanceof CliError) fail(error.message, error.exitCode);
    fail(error instanceof Error ? error.message : String(error), EXIT.failed);
  },
);
