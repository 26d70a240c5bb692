import type { RestockPlan } from "../domain/restock-plan";
import { instantFormat, type PlanTable, planPickRows, planSlotRows } from "./plan-rows";

/** Columns a terminal shows (of planSlotRows'), with short headings; the CSV and JSON keep everything. */
const TABLE_COLUMNS: [column: string, heading: string][] = [
  ["priority", "#"],
  ["machine_id", "machine"],
  ["location", "location"],
  ["slot_id", "slot"],
  ["item_id", "item"],
  ["stock_now", "stock"],
  ["days_of_cover", "cover d"],
  ["projected_stockout_at", "empty at"],
  ["projected_at_visit", "at visit"],
  ["min", "min"],
  ["max", "max"],
  ["quantity", "restock"],
  ["lots_to_swap", "lots to swap"],
  ["load_units", "load"],
];

const PICK_COLUMNS: [column: string, heading: string][] = [
  ["item_id", "item"],
  ["restock_units", "restock"],
  ["replacement_units", "replace"],
  ["total_units", "total"],
  ["lots_to_return", "lots to return"],
];

/** Blank in CSV, a dash for people: no stockout before the following visit, or no demand. */
const DASH_WHEN_EMPTY = new Set(["projected_stockout_at", "days_of_cover"]);

/** The plan as a text table for a terminal: a heading, the slot lines in priority order, the pick list. */
export function renderPlanTable(plan: RestockPlan): string {
  const at = instantFormat(plan.timeZone, "short");
  const heading = [
    `Restock plan for prison ${plan.prisonId}: visit ${at(plan.visitAt)} (${plan.timeZone}), following visit ${at(plan.followingVisitAt)}`,
    `Generated ${at(plan.generatedAt)}; lead time ${plan.leadTimeDays} d, review interval ${plan.reviewIntervalDays} d, z ${plan.z}`,
  ];
  const hasLocation = plan.machines.some((m) => m.location !== null);
  const columns = TABLE_COLUMNS.filter(([c]) => c !== "location" || hasLocation);
  const slots =
    plan.machines.length === 0 ? "No machines." : textTable(select(planSlotRows(plan, "short"), columns));
  const pick =
    plan.pickList.length === 0 ? "Nothing to pick." : textTable(select(planPickRows(plan), PICK_COLUMNS));
  return `${[...heading, "", slots, "", "Pick list", pick].join("\n")}\n`;
}

/** Aligned columns separated by two spaces; numbers right-aligned; no trailing spaces. */
function textTable(table: PlanTable): string {
  const all = [table.header, ...table.rows];
  const widths = table.header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? "").length)));
  return all
    .map((r) =>
      r
        .map((cell, c) => (table.numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function select(table: PlanTable, columns: readonly [string, string][]): PlanTable {
  const index = columns.map(([c]) => table.header.indexOf(c));
  return {
    header: columns.map(([, heading]) => heading),
    numeric: index.map((i) => table.numeric[i] ?? false),
    rows: table.rows.map((r) =>
      index.map((i, c) => {
        const cell = r[i] ?? "";
        return cell === "" && DASH_WHEN_EMPTY.has(columns[c]![0]) ? "-" : cell;
      }),
    ),
  };
}
