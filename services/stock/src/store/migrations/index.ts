import type { Migration } from "kysely";
import * as m0003_stock from "./0003_stock";
import * as m0007_availability from "./0007_availability";
import * as m0012_stockLive from "./0012_stock_live";
import * as m0028_stockDeltas from "./0028_stock_deltas";
import * as m0029_machineStateFillfactor from "./0029_machine_state_fillfactor";

/** The stock service's tables (schema stock) and the reporting views over them. */
export const stockMigrations: Record<string, Migration> = {
  "0003_stock": m0003_stock,
  "0007_availability": m0007_availability,
  "0012_stock_live": m0012_stockLive,
  "0028_stock_deltas": m0028_stockDeltas,
  "0029_machine_state_fillfactor": m0029_machineStateFillfactor,
};
