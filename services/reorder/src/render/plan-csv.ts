import { stringify } from "csv-stringify/sync";
import type { RestockPlan } from "../domain/restock-plan";
import { planPickRows, planSlotRows } from "./plan-rows";

/**
 * The plan as CSV (RFC 4180, through csv-stringify): a header line, CRLF line ends, fields holding
 * a comma, a double quote, CR or LF enclosed in double quotes with inner quotes doubled. One CSV
 * holds one table, so `section` picks the slot lines (default) or the pick list. Instants in local
 * ISO 8601.
 */
export function renderPlanCsv(plan: RestockPlan, section: "slots" | "pick" = "slots"): string {
  const table = section === "slots" ? planSlotRows(plan, "iso") : planPickRows(plan);
  return toCsv([table.header, ...table.rows]);
}

/** RFC 4180: CRLF after every record; a lone CR or LF inside a field is quoted too. */
const RFC_4180 = { record_delimiter: "windows", quoted_match: /[\r\n]/ } as const;

/** Rows to RFC 4180 CSV text. */
export function toCsv(rows: readonly (readonly string[])[]): string {
  return stringify(
    rows.map((r) => [...r]),
    RFC_4180,
  );
}
