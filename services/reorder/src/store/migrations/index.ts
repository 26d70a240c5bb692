import type { Migration } from "kysely";
import * as m0004_reorder from "./0004_reorder";
import * as m0030_reorderFillfactor from "./0030_reorder_fillfactor";

/** The reorder service's tables (schema reorder) and the reporting views over them. */
export const reorderMigrations: Record<string, Migration> = {
  "0004_reorder": m0004_reorder,
  "0030_reorder_fillfactor": m0030_reorderFillfactor,
};
