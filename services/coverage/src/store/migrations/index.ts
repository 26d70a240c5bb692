import type { Migration } from "kysely";
import * as m0005_coverage from "./0005_coverage";
import * as m0011_disclosure from "./0011_disclosure";
import * as m0023_oatSupersede from "./0023_oat_supersede";

/** The coverage service's tables (schema coverage) and the funder publication. */
export const coverageMigrations: Record<string, Migration> = {
  "0005_coverage": m0005_coverage,
  "0011_disclosure": m0011_disclosure,
  "0023_oat_supersede": m0023_oatSupersede,
};
