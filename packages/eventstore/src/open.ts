import { openEventStoreDbEventStore } from "./esdb/eventStoreDbEventStore.js";
import type { EventStore } from "./port.js";
import { openSqliteEventStore } from "./sqlite/sqliteEventStore.js";

export type EventStoreConfig =
  | { kind: "embedded"; path: string }
  | { kind: "eventstoredb"; connectionString: string };

/**
 * One switch between the embedded file and EventStoreDB; callers only see the port. A long-running service asks
 * for `backgroundCheckpoints` (the embedded WAL checkpointed off its event loop).
 */
export function openEventStore(
  config: EventStoreConfig,
  clock?: () => Date,
  { backgroundCheckpoints = false }: { backgroundCheckpoints?: boolean } = {},
): EventStore {
  switch (config.kind) {
    case "embedded":
      return openSqliteEventStore({ path: config.path, clock, backgroundCheckpoints });
    case "eventstoredb":
      // EventStoreDB stamps `created` itself; an injected clock cannot apply there.
      return openEventStoreDbEventStore({ connectionString: config.connectionString });
  }
}
