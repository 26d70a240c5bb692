export {
  type AdjustedConsumption,
  adjustedConsumption,
  type ConsumptionPeriod,
} from "./adjusted-consumption";
export {
  type BatchChanges,
  batchChanges,
  type DispenseDay,
  dispenseDays,
  type LotDelta,
  lotDeltas,
  type MachineRef,
  type PrisonRef,
  type StockRow,
} from "./batch-changes";
export {
  type DailyConsumptionInput,
  type DayConsumption,
  type DispenseRecord,
  dailyConsumption,
} from "./daily-consumption";
export { daysOfCover } from "./days-of-cover";
export {
  type DemandBySlot,
  type DemandBySlotInput,
  demandBySlot,
  type PooledDemand,
  type SlotDemand,
  type SlotSpec,
} from "./demand-by-slot";
export { type DemandForecast, dailyForecast } from "./demand-forecast";
export { type DemandWindow, demandWindow } from "./demand-window";
export { InvalidParameterError, InvalidTimeZoneError } from "./errors";
export {
  type DemandEstimate,
  type DemandOptions,
  type DemandSource,
  estimateDemand,
} from "./estimate-demand";
export { dispenseRecord, levelReading, type StockEvent, slotSpecs } from "./event-records";
export { type ForecastAccuracy, type ForecastPoint, forecastAccuracy } from "./forecast-accuracy";
export { type Interval, intersectIntervals, mergeIntervals, overlapMs } from "./interval";
export { LocalCalendar, type LocalDate } from "./local-calendar";
export { type LotStock, type LotSwap, lotsToSwap } from "./lots-to-swap";
export { DEFAULT_Z, type MaxMin, type MaxMinParams, maxMin } from "./max-min";
export {
  DEFAULT_SCHEDULE,
  type OutreachSchedule,
  type ScheduleOverrides,
  scheduleFor,
  visitScheduleOf,
} from "./outreach-schedule";
export {
  levelAtStart,
  lotsInSlot,
  type PlanningParams,
  type PrisonPlanning,
  type PrisonSnapshot,
  planPrison,
  replanForVisit,
  type SlotParameters,
} from "./plan-prison";
export { type ProjectStockInput, projectStock, type StockProjection } from "./project-stock";
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
} from "./restock-plan";
export { type LevelReading, type SlotAvailability, stockoutIntervals } from "./stockout-intervals";
export { nextVisit, type VisitSchedule, visitOn, visitTime } from "./visit-schedule";
export {
  DEFAULT_WEEKDAY_PRIOR_UNITS,
  FLAT_WEEK,
  type WeekdayFactors,
  weekdayPattern,
} from "./weekday-pattern";
