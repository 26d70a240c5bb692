import type { LocalDate } from "@hrvend/runtime/time";
import type { VisitSchedule } from "./visit-schedule";

/** A prison's outreach schedule as configured (devices/README.md, scenario `outreach`). */
export interface OutreachSchedule {
  /** Local day visits are counted from (the simulator: its start date). */
  anchorDate: LocalDate;
  /** Day of the first visit after `anchorDate` (0 = that day). */
  firstVisitDay: number;
  /** Days between visits: also the max-min review interval. */
  intervalDays: number;
  /** Local hour the team arrives (10.5 = 10:30). */
  hour: number;
  /** Days between reading stock for a visit and the visit. */
  leadTimeDays: number;
}

/** `REORDER_SCHEDULES` as parsed (config.ts): overrides by prison id; `"*"` overrides the default for every prison. */
export type ScheduleOverrides = Record<string, Partial<OutreachSchedule>>;

/** Weekly visits on Wednesdays (2024-01-03 was one) at 10:00 local, planned 2 days ahead. */
export const DEFAULT_SCHEDULE: OutreachSchedule = {
  anchorDate: "2024-01-03",
  firstVisitDay: 0,
  intervalDays: 7,
  hour: 10,
  leadTimeDays: 2,
};

/** The schedule of one prison: the default, then `"*"`, then the prison's own entry. */
export function scheduleFor(prisonId: string, overrides: ScheduleOverrides): OutreachSchedule {
  return { ...DEFAULT_SCHEDULE, ...overrides["*"], ...overrides[prisonId] };
}

/** The domain's visit schedule for a prison in its time zone. */
export function visitScheduleOf(s: OutreachSchedule, timeZone: string): VisitSchedule {
  return {
    timeZone,
    anchorDate: s.anchorDate,
    firstVisitDay: s.firstVisitDay,
    intervalDays: s.intervalDays,
    hour: s.hour,
  };
}
