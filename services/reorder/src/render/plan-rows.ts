import { LocalCalendar } from "@hrvend/runtime/time";
import type { RestockPlan } from "../domain/restock-plan";

/** A table of strings: what the text table and the CSV render. */
export interface PlanTable {
  header: string[];
  /** Columns to right-align in a text table (numbers). */
  numeric: boolean[];
  rows: string[][];
}

export type TimeStyle = "iso" | "short";

/** One row per machine slot, machines in priority order. */
export function planSlotRows(plan: RestockPlan, time: TimeStyle = "iso"): PlanTable {
  const at = instantFormat(plan.timeZone, time);
  const columns: [string, boolean][] = [
    ["priority", true],
    ["machine_id", false],
    ["location", false],
    ["slot_id", false],
    ["item_id", false],
    ["capacity", true],
    ["stock_now", true],
    ["avg_daily_demand", true],
    ["days_of_cover", true],
    ["projected_stockout_at", false],
    ["projected_at_visit", true],
    ["min", true],
    ["max", true],
    ["quantity", true],
    ["lots_to_swap", false],
    ["swap_units", true],
    ["load_units", true],
  ];
  const rows = plan.machines.flatMap((m) =>
    m.slots.map((s) => [
      String(m.priority),
      m.machineId,
      m.location ?? "",
      s.slotId,
      s.itemId,
      String(s.capacity),
      String(s.stockNow),
      s.averageDaily.toFixed(2),
      s.daysOfCover === null ? "" : s.daysOfCover.toFixed(1),
      s.projectedStockoutAt === null ? "" : at(s.projectedStockoutAt),
      String(s.projectedAtVisit),
      String(s.min),
      String(s.max),
      String(s.quantity),
      s.lotsToSwap.map((l) => `${l.lotId} exp ${l.expiry} x${l.quantityAtVisit}`).join("; "),
      String(s.swapUnits),
      String(s.loadUnits),
    ]),
  );
  return { header: columns.map((c) => c[0]), numeric: columns.map((c) => c[1]), rows };
}

/** One row per item: the pick list. */
export function planPickRows(plan: RestockPlan): PlanTable {
  return {
    header: ["item_id", "restock_units", "replacement_units", "total_units", "lots_to_return"],
    numeric: [false, true, true, true, false],
    rows: plan.pickList.map((p) => [
      p.itemId,
      String(p.restockUnits),
      String(p.replacementUnits),
      String(p.totalUnits),
      p.lotsToReturn.map((l) => `${l.lotId} exp ${l.expiry} x${l.units}`).join("; "),
    ]),
  };
}

/** Local time of an instant: ISO with offset, or `YYYY-MM-DD HH:mm` for people. */
export function instantFormat(timeZone: string, style: TimeStyle): (t: number) => string {
  const calendar = LocalCalendar.for(timeZone);
  return style === "iso"
    ? (t) => calendar.isoLocal(t)
    : (t) => {
        const iso = calendar.isoLocal(t);
        return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
      };
}
