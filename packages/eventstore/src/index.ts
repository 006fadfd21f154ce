export {
  type EventStoreDbEventStoreOptions,
  openEventStoreDbEventStore,
} from "./esdb/eventStoreDbEventStore.js";
export * from "./integrity/caseExport.js";
export * from "./integrity/hashing.js";
export * from "./integrity/heads.js";
export * from "./integrity/signedHead.js";
export * from "./integrity/verify.js";
export * from "./integrity/walker.js";
export { type EventStoreConfig, openEventStore } from "./open.js";
export * from "./port.js";
export { openSqliteEventStore, type SqliteEventStoreOptions } from "./sqlite/sqliteEventStore.js";
export { checkpointInBackground, type WalCheckpointer } from "./sqlite/walCheckpointer.js";
