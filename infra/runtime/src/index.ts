export * from "./broker";
export * from "./config";
export * from "./errors";
export * from "./secrets";
