import { stringify } from "csv-stringify/sync";
import ExcelJS from "exceljs";
import type { Table } from "./datasets";

/** RFC 4180 CSV with a header row; an empty cell for no value. */
export function toCsv(t: Table): string {
  return stringify([t.columns, ...t.rows.map((r) => r.map((c) => (c === null ? "" : c)))], {
    cast: { number: (n) => String(n) },
  });
}

/** One worksheet, the same header and cells as the CSV (numbers stay numbers), and a sheet saying what it is. */
export async function toXlsx(t: Table, about: [string, string][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "hrvend";
  const ws = wb.addWorksheet(t.name);
  ws.addRow(t.columns).font = { bold: true };
  for (const r of t.rows) ws.addRow(r);
  ws.views = [{ state: "frozen", ySplit: 1 }];
  const info = wb.addWorksheet("about");
  for (const a of about) info.addRow(a);
  return Buffer.from(await wb.xlsx.writeBuffer());
}
