export * from "./batch-consumer";
export * from "./connect";
export * from "./stream-service-env";
export * from "./streams";
