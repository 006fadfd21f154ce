export type { DocumentChange } from "./apply.js";
export { databaseBytes, isCorruption, type ModelState, readModelFile } from "./database.js";
export * from "./rebuild.js";
export * from "./runner.js";
