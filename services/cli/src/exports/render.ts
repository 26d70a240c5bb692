import { stringify } from "csv-stringify/sync";
import ExcelJS from "exceljs";
import type { Table } from "./datasets";

/**
 * Text a spreadsheet would run as a formula (OWASP "CSV injection": = + - @, tab, CR first) gets a
 * leading apostrophe, in the CSV and the XLSX alike: names come from registry events, and a
 * prison named `=HYPERLINK(…)` must stay text on a coordinator's screen.
 */
export function spreadsheetSafe(c: string | number | null): string | number | null {
  return typeof c === "string" && /^[=+\-@\t\r]/.test(c) ? `'${c}` : c;
}

/** RFC 4180 CSV with a header row; an empty cell for no value. */
export function toCsv(t: Table): string {
  return stringify([t.columns, ...t.rows.map((r) => r.map((c) => (c === null ? "" : spreadsheetSafe(c))))], {
    cast: { number: (n) => String(n) },
  });
}

/** One worksheet, the same header and cells as the CSV (numbers stay numbers), and a sheet saying what it is. */
export async function toXlsx(t: Table, about: [string, string][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "hrvend";
  const ws = wb.addWorksheet(t.name);
  ws.addRow(t.columns).font = { bold: true };
  for (const r of t.rows) ws.addRow(r.map(spreadsheetSafe));
  ws.views = [{ state: "frozen", ySplit: 1 }];
  const info = wb.addWorksheet("about");
  for (const a of about) info.addRow(a);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/**
 * The table as one JSON document for tools (`export figures --json`): what it is, then one object
 * per row keyed by column name; values as read (no spreadsheet escaping), an empty cell null.
 */
export function toJson(t: Table, about: Record<string, string>): string {
  const rows = t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i] ?? null])));
  return `${JSON.stringify({ ...about, table: t.name, columns: t.columns, rows }, null, 2)}\n`;
}
