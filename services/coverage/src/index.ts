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
export { yearMemo } from "./memo";
export { publishIfBehind, publishRound, startPublisher } from "./publish";
export { solveInWorker } from "./suppress-worker";
