export * from "./batch-consumer";
export * from "./connect";
export * from "./decode";
export * from "./failure";
export * from "./leases";
export * from "./stream-consumers";
export * from "./stream-service-env";
export * from "./streams";
