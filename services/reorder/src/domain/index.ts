export { type AdjustedConsumption, adjustedConsumption, type ConsumptionPeriod } from "./adjustedConsumption";
export {
  type DailyConsumptionInput,
  type DayConsumption,
  type DispenseRecord,
  dailyConsumption,
} from "./dailyConsumption";
export { daysOfCover } from "./daysOfCover";
export {
  type DemandBySlot,
  type DemandBySlotInput,
  demandBySlot,
  type PooledDemand,
  type SlotDemand,
  type SlotSpec,
} from "./demandBySlot";
export { type DemandForecast, dailyForecast } from "./demandForecast";
export { type DemandWindow, demandWindow } from "./demandWindow";
export { InvalidParameterError, InvalidTimeZoneError } from "./errors";
export {
  type DemandEstimate,
  type DemandOptions,
  type DemandSource,
  estimateDemand,
} from "./estimateDemand";
export { dispenseRecord, levelChange, type StockEvent, slotSpecs } from "./eventRecords";
export { type ForecastAccuracy, type ForecastPoint, forecastAccuracy } from "./forecastAccuracy";
export { type Interval, intersectIntervals, mergeIntervals, overlapMs } from "./interval";
export { LocalCalendar, type LocalDate } from "./localCalendar";
export { type LotStock, type LotSwap, lotsToSwap } from "./lotsToSwap";
export { DEFAULT_Z, type MaxMin, type MaxMinParams, maxMin } from "./maxMin";
export { instantFormat, type PlanTable, planPickRows, planSlotRows, type TimeStyle } from "./planRows";
export { type ProjectStockInput, projectStock, type StockProjection } from "./projectStock";
export { csvField, renderPlanCsv, toCsv } from "./renderPlanCsv";
export { renderPlanJson } from "./renderPlanJson";
export { renderPlanTable, textTable } from "./renderPlanTable";
export {
  DEFAULT_FILL_TO,
  type FillTo,
  type PickLine,
  type PlanMachineInput,
  type PlannedMachine,
  type PlannedSlot,
  type PlanSlotInput,
  type RestockPlan,
  type RestockPlanInput,
  restockPlan,
} from "./restockPlan";
export { type LevelChange, type SlotAvailability, stockoutIntervals } from "./stockoutIntervals";
export { nextVisit, type VisitSchedule, visitOn, visitTime } from "./visitSchedule";
export {
  DEFAULT_WEEKDAY_PRIOR_UNITS,
  FLAT_WEEK,
  type WeekdayFactors,
  weekdayPattern,
} from "./weekdayPattern";
