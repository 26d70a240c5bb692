import { planPickRows, planSlotRows } from "./planRows";
import type { RestockPlan } from "./restockPlan";

/**
 * The plan as CSV (RFC 4180): a header line, CRLF line ends, fields holding a comma, a double
 * quote, CR or LF enclosed in double quotes with inner quotes doubled. One CSV holds one table,
 * so `section` picks the slot lines (default) or the pick list. Instants in local ISO 8601.
 */
export function renderPlanCsv(plan: RestockPlan, section: "slots" | "pick" = "slots"): string {
  const table = section === "slots" ? planSlotRows(plan, "iso") : planPickRows(plan);
  return toCsv([table.header, ...table.rows]);
}

/** Rows to RFC 4180 CSV text. */
export function toCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
