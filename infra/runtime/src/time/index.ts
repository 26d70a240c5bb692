/**
 * Local time for every service (reorder, coverage, stock, the CLI): one module on Temporal
 * (temporal-polyfill), pure, no I/O. The simulator in devices/ keeps its own as an independent
 * reference. See README.md beside the workspace.
 */
export { isoWithOffset, LocalCalendar } from "./calendar";
export {
  addDays,
  DAY_MS,
  dateOfWall,
  daysBetween,
  isLocalDate,
  type LocalDate,
  wallMidnight,
  weekday,
} from "./dates";
export { InvalidDateError, InvalidInstantError, InvalidTimeZoneError } from "./errors";
export {
  dateAsWritten,
  isoInZone,
  localDate,
  localInstant,
  offsetMinutes,
  offsetOf,
  startOfLocalDay,
  type WallTime,
} from "./zone";
