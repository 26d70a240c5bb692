/** The service's adapters, for tools and integration tests (`@hrvend/reorder/service`). */
export { type BatchChanges, batchChanges } from "./events";
export { plannablePrisons, type RecomputeOutcome, recomputePrison } from "./planning";
export { type ReorderDeps, type RunningReorder, startReorder } from "./reorder";
export { type ApplyResult, applyBatch } from "./store";
