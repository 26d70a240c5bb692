/** The coverage package's public API: what other workspaces import (reads: `./read`; the report: `./report`). */
export {
  EstimatesFile,
  FUNDER_GRAINS,
  type FunderGrain,
  HIDDEN,
  periodOf,
  periodsBetween,
  UNDEFINED,
} from "./domain";
export { saveConfig } from "./estimates";
export { publishIfBehind } from "./publish";
