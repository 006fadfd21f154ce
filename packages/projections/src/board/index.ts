export * from "./evolve.js";
export * from "./model.js";
export * from "./state.js";
export * from "./view.js";
