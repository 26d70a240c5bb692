import { LocalCalendar, type LocalDate } from "@hrvend/runtime/time";
import { InvalidParameterError } from "./errors";

/** A prison's outreach schedule (devices/README.md, scenario `outreach`). */
export interface VisitSchedule {
  timeZone: string;
  /** Local day the schedule counts from (the simulator: its start date). */
  anchorDate: LocalDate;
  /** Day of the first visit, counted from `anchorDate` (0 = that day). */
  firstVisitDay: number;
  /** Days between visits. */
  intervalDays: number;
  /** Local hour of day the team arrives (fractions allowed: 10.5 = 10:30). */
  hour: number;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** Instant of visit `k` (0-based): local wall time anchor midnight + (first + k × interval) days + hour, as the simulator schedules it. */
export function visitTime(schedule: VisitSchedule, k: number): number {
  validate(schedule);
  const calendar = LocalCalendar.for(schedule.timeZone);
  const days = schedule.firstVisitDay + k * schedule.intervalDays;
  return calendar.instantOfWall(
    LocalCalendar.wallMidnight(schedule.anchorDate) + days * DAY_MS + schedule.hour * HOUR_MS,
  );
}

/** The first scheduled visit at or after `now` (a visit under way now is still the one to plan). */
export function nextVisit(schedule: VisitSchedule, now: number): number {
  const first = visitTime(schedule, 0);
  if (now <= first) return first;
  // Wall-clock and real time differ by at most an hour or two across DST: estimate k, then step.
  let k = Math.max(0, Math.floor((now - first) / (schedule.intervalDays * DAY_MS)) - 1);
  while (visitTime(schedule, k) < now) k++;
  while (k > 0 && visitTime(schedule, k - 1) >= now) k--;
  return visitTime(schedule, k);
}

/** The visit on local `date` at the schedule's hour (for `--visit <date>`), scheduled day or not. */
export function visitOn(schedule: VisitSchedule, date: LocalDate): number {
  validate(schedule);
  return LocalCalendar.for(schedule.timeZone).atLocalTime(date, schedule.hour);
}

function validate(s: VisitSchedule): void {
  if (!(s.intervalDays > 0) || !(s.firstVisitDay >= 0) || !(s.hour >= 0 && s.hour < 24))
    throw new InvalidParameterError(
      "a visit schedule needs intervalDays > 0, firstVisitDay ≥ 0 and 0 ≤ hour < 24",
      { ...s },
    );
}
