export * from "./connect";
export * from "./migrate";
export { runtimeMigrations } from "./migrations";
export * from "./parked";
export * from "./position";
export * from "./roles";
export type * from "./schema";
