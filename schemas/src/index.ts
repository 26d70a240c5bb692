export * from "./dead-letter";
export * from "./errors";
export * from "./event";
export * from "./examples";
export * from "./ids";
export * from "./kinds";
export * from "./parse";
export * from "./topics";
