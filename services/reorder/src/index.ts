/**
 * The package's public API (`@hrvend/reorder`): what other workspaces import — the pure planning
 * functions the simulator's bench drives, the plan and its renderers for the CLI (local time is
 * `@hrvend/runtime/time`). Reads of the service's tables are `@hrvend/reorder/read`, the service's steps for
 * tools and tests `@hrvend/reorder/service`, its migrations `@hrvend/reorder/migrations`.
 */
export {
  DEFAULT_FILL_TO,
  DEFAULT_Z,
  dailyForecast,
  demandBySlot,
  dispenseRecord,
  type FillTo,
  type ForecastAccuracy,
  type ForecastPoint,
  forecastAccuracy,
  type Interval,
  intersectIntervals,
  type LevelReading,
  type LotStock,
  levelReading,
  mergeIntervals,
  overlapMs,
  type PlannedMachine,
  type RestockPlan,
  restockPlan,
  type SlotSpec,
  slotSpecs,
  type WeekdayFactors,
} from "./domain";
export { renderPlanCsv, renderPlanJson, renderPlanTable } from "./render";
