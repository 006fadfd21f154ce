import { openSqliteEventStore } from "@mtc/eventstore";
import { allModels, categoriesOf } from "../index.js";
import { createReadModelRunner } from "../runner/runner.js";

/**
 * A process that only runs the read-model runner over an existing log (argv: events.db, read-model file), in
 * small pages so that a SIGKILL lands between or inside transactions. Used by the SIGKILL property test.
 */
const [eventsPath, file] = process.argv.slice(2) as [string, string];
const store = openSqliteEventStore({ path: eventsPath });
const runner = createReadModelRunner({
  store,
  path: file,
  models: allModels({ everyEvents: 150, everyMinutes: 60 }),
  categories: categoriesOf(allModels()),
  pageSize: 40,
});
await runner.start();
process.stdout.write("started\n");
await runner.whenReady();
process.stdout.write("ready\n");
await runner.close();
await store.close();
