export * from "./apply-batch";
export * from "./db";
export * from "./estimates";
export * from "./figures";
export * from "./lock";
export * from "./publication";
