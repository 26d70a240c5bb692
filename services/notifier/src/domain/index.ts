export * from "./errors";
export * from "./loopback";
export * from "./outbox";
export * from "./quiet-hours";
export * from "./route";
export * from "./rules";
export * from "./schedule";
export * from "./severity";
