import type { Migration } from "kysely";
import * as m0014_parked from "./0014_parked";

/** What the consumer runtime itself keeps: ops.parked_message (poison messages). */
export const runtimeMigrations: Record<string, Migration> = {
  "0014_parked": m0014_parked,
};
