export * from "./batch-consumer";
export * from "./streams";
