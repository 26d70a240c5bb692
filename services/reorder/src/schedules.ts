import { z } from "zod";
import type { LocalDate, VisitSchedule } from "./domain";

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

/** Weekly visits on Wednesdays (2024-01-03 was one) at 10:00 local, planned 2 days ahead. */
export const DEFAULT_SCHEDULE: OutreachSchedule = {
  anchorDate: "2024-01-03",
  firstVisitDay: 0,
  intervalDays: 7,
  hour: 10,
  leadTimeDays: 2,
};

const ScheduleOverride = z
  .strictObject({
    anchorDate: z.iso.date({ message: "must be a calendar date YYYY-MM-DD" }),
    firstVisitDay: z.int().min(0).max(3650),
    intervalDays: z.number().positive().max(365),
    hour: z.number().min(0).lt(24),
    leadTimeDays: z.number().min(0).max(365),
  })
  .partial();

/** `REORDER_SCHEDULES`: overrides by prison id; `"*"` overrides the default for every prison. */
export const ScheduleOverrides = z.record(z.string().min(1), ScheduleOverride);
export type ScheduleOverrides = z.infer<typeof ScheduleOverrides>;

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
