import { allModels, readModelFile, rebuildReadModels } from "@mtc/projections";
import {
  CliError,
  type CommonOptions,
  dataDirOf,
  EXIT,
  type MtcCommand,
  openExistingStore,
  progress,
  withCommonOptions,
} from "../cli.js";

interface RebuildOptions extends CommonOptions {
  model?: string[];
  instance: string;
}

/**
 * `pnpm mtc rebuild`: rebuilds read models from the log into a fresh file and puts it in place (ADR 7). Safe
 * beside a running service: the service keeps its file, the new one waits as `<file>.next` and is adopted at its
 * next start.
 */
export const rebuild: MtcCommand = {
  name: "rebuild",
  register: (command) =>
    withCommonOptions(
      command
        .description("rebuild read models from the event log (all, or --model NAME), with a progress bar")
        .option(
          "--model <name...>",
          `only these models (${allModels()
            .map((m) => m.name)
            .join(", ")})`,
        )
        .option(
          "--instance <id>",
          "whose read-model file (MTC_INSTANCE_ID of the service)",
          process.env.MTC_INSTANCE_ID || "main",
        ),
    ).action(async (options: RebuildOptions) => {
      const known = allModels().map((m) => m.name);
      const unknown = (options.model ?? []).filter((name) => !known.includes(name));
      if (unknown.length > 0)
        throw new CliError(
          `unknown read model ${unknown.join(", ")}; known: ${known.join(", ")}`,
          EXIT.usage,
        );
      const dataDir = dataDirOf(options);
      const store = openExistingStore(dataDir);
      const path = readModelFile(dataDir, options.instance);
      let bar: ReturnType<typeof progress> | undefined;
      const stop = new AbortController();
      const interrupt = () => stop.abort();
      process.once("SIGINT", interrupt);
      try {
        const result = await rebuildReadModels({
          store,
          path,
          ...(options.model ? { models: options.model } : {}),
          signal: stop.signal,
          onProgress: ({ position, head }) => {
            bar ??= progress({ total: Math.max(1, head), unit: "events", quiet: options.quiet });
            bar.update(Math.min(position, head));
          },
        });
        const where =
          result.adopted === "now"
            ? `in place: ${path}`
            : `as ${path}.next: a running service holds ${path} and adopts the new file at its next start`;
        const summary = `rebuilt ${(options.model ?? known).join(", ")} from ${result.events.toLocaleString("en-US")} events in ${result.seconds.toFixed(1)} s, ${where}`;
        if (bar) bar.finish(summary);
        else process.stdout.write(`${summary}\n`);
      } catch (error) {
        bar?.abort();
        throw error;
      } finally {
        process.off("SIGINT", interrupt);
        await store.close();
      }
    }),
};
