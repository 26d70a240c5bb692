import { LocalCalendar } from "@hrvend/runtime/time";
import type { RestockPlan } from "../domain/restock-plan";

/**
 * The plan as JSON for tools: the same fields, instants as local ISO 8601 with offset, demand
 * figures to 3 decimals. (The RestockPlan itself is already plain data; adapters persist that.)
 */
export function renderPlanJson(plan: RestockPlan): string {
  const calendar = LocalCalendar.for(plan.timeZone);
  const iso = (t: number | null) => (t === null ? null : calendar.isoLocal(t));
  const view = {
    ...plan,
    generatedAt: iso(plan.generatedAt),
    visitAt: iso(plan.visitAt),
    followingVisitAt: iso(plan.followingVisitAt),
    machines: plan.machines.map((m) => ({
      ...m,
      projectedStockoutAt: iso(m.projectedStockoutAt),
      daysOfCover: round3(m.daysOfCover),
      slots: m.slots.map((s) => ({
        ...s,
        averageDaily: round3(s.averageDaily),
        sigmaDaily: round3(s.sigmaDaily),
        safetyStock: round3(s.safetyStock),
        daysOfCover: round3(s.daysOfCover),
        projectedStockoutAt: iso(s.projectedStockoutAt),
      })),
    })),
  };
  return `${JSON.stringify(view, null, 2)}\n`;
}

function round3<T extends number | null>(x: T): T {
  return (x === null ? null : Math.round(x * 1000) / 1000) as T;
}
