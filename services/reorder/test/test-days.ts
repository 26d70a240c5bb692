import { LocalCalendar } from "@hrvend/runtime/time";
import type { DayConsumption } from "../src/domain/daily-consumption";

/** Test helper: consecutive days from `from` with the given consumption (and optional stockout shares). */
export function testDays(
  from: string,
  consumed: readonly number[],
  stockoutDays: readonly number[] = [],
): DayConsumption[] {
  return consumed.map((c, i) => {
    const date = LocalCalendar.addDays(from, i);
    return { date, weekday: LocalCalendar.weekday(date), consumed: c, stockoutDays: stockoutDays[i] ?? 0 };
  });
}

/** Four weeks from Monday 2026-03-02: 2 units on weekdays, 4 on Saturday and Sunday (72 units). */
export const WEEKEND_HEAVY = testDays(
  "2026-03-02",
  Array.from({ length: 28 }, (_, i) => (i % 7 >= 5 ? 4 : 2)),
);
