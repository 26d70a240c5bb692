export * from "./apply-batch";
export * from "./db";
export * from "./estimates";
export * from "./figures";
/** Kept while services/cli/src/commands/report.ts (being edited elsewhere) still imports it from here; others read it from `@hrvend/coverage/read`. */
export { readFunderData } from "./funder";
export * from "./lock";
export * from "./publication";
