import { DateTime } from "luxon";
import type { QuietHours } from "./rules";

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * When the quiet hours around instant `at` end, in the prison's time zone, or undefined when `at`
 * is not in quiet hours. Wall-clock times, so across a DST change the night is an hour shorter or
 * longer; an end time that a spring-forward gap skips resolves to the first instant after the gap.
 */
export function quietUntil(at: number, quiet: QuietHours, timeZone: string): number | undefined {
  const local = DateTime.fromMillis(at, { zone: timeZone });
  const m = local.hour * 60 + local.minute;
  const from = minutesOf(quiet.from);
  const to = minutesOf(quiet.to);
  let endDay: DateTime;
  if (from < to) {
    if (m < from || m >= to) return undefined;
    endDay = local;
  } else if (m >= from) {
    endDay = local.plus({ days: 1 });
  } else if (m < to) {
    endDay = local;
  } else {
    return undefined;
  }
  const end = DateTime.fromObject(
    { year: endDay.year, month: endDay.month, day: endDay.day, hour: Math.floor(to / 60), minute: to % 60 },
    { zone: timeZone },
  );
  return end.toMillis();
}
