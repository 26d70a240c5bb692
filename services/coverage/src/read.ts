/**
 * What other workspaces read from coverage, in one place (`@hrvend/coverage/read`): the funder
 * publication for reports, exports, DHIS2 and the summary, the unsuppressed figures for the role a
 * DHIS2 mapping names, and how far the publication is behind. The queries live in store/funder.ts.
 */
export {
  type EstimateUsed,
  type FunderData,
  type FunderFigure,
  funderPublicationQuery,
  type PeriodFigureRow,
  type PeriodOf,
  publicationCurrent,
  publicationLag,
  readAllFigures,
  readFigurePeriod,
  readFunderData,
  readPublishedPeriod,
  readSummaryQuarter,
  type SummaryQuarterRow,
} from "./store/funder";
