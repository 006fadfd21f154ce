export * from "./rebuild.js";
export * from "./runner.js";
export * from "./snapshotStore.js";
export * from "./sqliteSnapshotStore.js";
