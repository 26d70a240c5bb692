export * from "./connect";
export * from "./migrate";
export * from "./parked";
export * from "./position";
export * from "./roles";
export type * from "./schema";
