import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import type { Table } from "./datasets";
import { spreadsheetSafe, toCsv, toJson, toXlsx } from "./render";

// Given cells a CSV must quote, non-ASCII names, empty cells, and text a spreadsheet would run
const table: Table = {
  name: "coverage",
  columns: ["prison_id", "prison_name", "nsp_clients", "nsp_reach_pct"],
  rows: [
    ["md-p18", "Penitentiary No. 18 (Brănești)", 37, 41.234],
    ["x", 'a "quoted", comma\nand newline', null, -2.5],
    ["y", '=HYPERLINK("http://evil")', "[c]", null],
  ],
};

describe("CSV and XLSX of a table", () => {
  it("CSV quotes what it must and writes empty cells for no value", () => {
    expect(toCsv(table)).toBe(
      [
        "prison_id,prison_name,nsp_clients,nsp_reach_pct",
        "md-p18,Penitentiary No. 18 (Brănești),37,41.234",
        'x,"a ""quoted"", comma\nand newline",,-2.5',
        `y,"'=HYPERLINK(""http://evil"")",[c],`,
        "",
      ].join("\n"),
    );
  });

  it("formula-like text becomes text; numbers, even negative, stay numbers", () => {
    for (const f of ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]) expect(spreadsheetSafe(f)).toBe(`'${f}`);
    expect(spreadsheetSafe(-1)).toBe(-1);
    expect(spreadsheetSafe("md-p13")).toBe("md-p13");
    expect(spreadsheetSafe("[c]")).toBe("[c]");
  });

  it("the XLSX holds the same cells, numbers as numbers, and an about sheet", async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await toXlsx(table, [["audience", "funder"]])) as unknown as ArrayBuffer);
    const ws = wb.getWorksheet("coverage") as ExcelJS.Worksheet;
    expect(ws.getRow(1).values).toEqual([undefined, ...table.columns]);
    expect(ws.getCell("C2").value).toBe(37);
    expect(ws.getCell("D3").value).toBe(-2.5);
    expect(ws.getCell("C3").value).toBeNull();
    expect(ws.getCell("B3").value).toBe('a "quoted", comma\nand newline');
    expect(ws.getCell("B4").value).toBe(`'=HYPERLINK("http://evil")`);
    expect(wb.getWorksheet("about")?.getCell("B1").value).toBe("funder");
  });
});

describe("JSON of a table (export figures --json)", () => {
  it("one document: what it is, the columns, one object per row keyed by column; values as read, empty cells null", () => {
    const doc = JSON.parse(toJson(table, { audience: "funder", from: "2026-01-01", to: "2026-03-31" }));
    expect(Object.keys(doc)).toEqual(["audience", "from", "to", "table", "columns", "rows"]);
    expect(doc.table).toBe("coverage");
    expect(doc.columns).toEqual(table.columns);
    expect(doc.rows[0]).toEqual({
      prison_id: "md-p18",
      prison_name: "Penitentiary No. 18 (Brănești)",
      nsp_clients: 37,
      nsp_reach_pct: 41.234,
    });
    expect(doc.rows[1].nsp_clients).toBeNull();
    // Not a spreadsheet: no apostrophe added; a hidden value stays its symbol.
    expect(doc.rows[2]).toMatchObject({ prison_name: '=HYPERLINK("http://evil")', nsp_clients: "[c]" });
  });
});
