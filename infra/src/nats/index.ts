export * from "./batch-consumer";
export * from "./connect";
export * from "./streams";
