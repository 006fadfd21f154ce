import { openEventStoreDbEventStore } from "./esdb/eventStoreDbEventStore.js";
import type { EventStore } from "./port.js";
import { openSqliteEventStore } from "./sqlite/sqliteEventStore.js";

export type EventStoreConfig =
  | { kind: "embedded"; path: string }
  | { kind: "eventstoredb"; connectionString: string };

/** One switch between the embedded file and EventStoreDB; callers only see the port. */
export function openEventStore(config: EventStoreConfig, clock?: () => Date): EventStore {
  switch (config.kind) {
    case "embedded":
      return openSqliteEventStore({ path: config.path, clock });
    case "eventstoredb":
      // EventStoreDB stamps `created` itself; an injected clock cannot apply there.
      return openEventStoreDbEventStore({ connectionString: config.connectionString });
  }
}
