export * from "./connect";
export * from "./migrate";
export * from "./roles";
export type * from "./schema";
