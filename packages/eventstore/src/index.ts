export {
  type EventStoreDbEventStoreOptions,
  openEventStoreDbEventStore,
} from "./esdb/eventStoreDbEventStore.js";
export { type EventStoreConfig, openEventStore } from "./open.js";
export * from "./port.js";
export { openSqliteEventStore, type SqliteEventStoreOptions } from "./sqlite/sqliteEventStore.js";
