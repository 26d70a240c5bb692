export * from "./apply-batch";
export * from "./config-store";
export * from "./figures-store";
export * from "./funder-read";
export * from "./lock";
