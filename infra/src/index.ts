export * from "./config";
export * from "./errors";
export * from "./mosquitto";
export {
  aclsOf,
  type DynsecAdmin,
  type DynsecCommand,
  type DynsecResponse,
  dynsecRequest,
  localDynsecAdmin,
  readControl,
  roleOf,
} from "./mosquitto-dynsec";
export * from "./nats";
export * from "./nats-cluster";
export * from "./ports";
export * from "./postgres";
export * from "./process";
export * from "./secrets";
export * from "./server";
export * from "./service-process";
export * from "./stack";
