export { LocalCalendar, type LocalDate } from "@hrvend/runtime/time";
export { type BatchChanges, batchChanges, type ClockTick } from "./batch-changes";
export { type DemandBySlot, demandBySlot, type SlotSpec } from "./demand-by-slot";
export { dailyForecast } from "./demand-forecast";
export { demandWindow } from "./demand-window";
export { dispenseRecord, levelReading, slotSpecs } from "./event-records";
export { type ForecastAccuracy, type ForecastPoint, forecastAccuracy } from "./forecast-accuracy";
export { type Interval, intersectIntervals, mergeIntervals, overlapMs } from "./interval";
export type { LotStock } from "./lots-to-swap";
export { DEFAULT_Z } from "./max-min";
export {
  DEFAULT_SCHEDULE,
  type OutreachSchedule,
  type ScheduleOverrides,
  scheduleFor,
} from "./outreach-schedule";
export {
  levelAtStart,
  type PlanningParams,
  type PrisonSnapshot,
  planPrison,
  replanForVisit,
  type SlotParameters,
} from "./plan-prison";
export {
  DEFAULT_FILL_TO,
  type FillTo,
  type PlannedMachine,
  type RestockPlan,
  restockPlan,
} from "./restock-plan";
export type { LevelReading } from "./stockout-intervals";
export { nextVisit, type VisitSchedule } from "./visit-schedule";
export type { WeekdayFactors } from "./weekday-pattern";
