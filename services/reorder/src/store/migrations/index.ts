import type { Migration } from "kysely";
import * as m0004_reorder from "./0004_reorder";

/** The reorder service's tables (schema reorder) and the reporting views over them. */
export const reorderMigrations: Record<string, Migration> = {
  "0004_reorder": m0004_reorder,
};
