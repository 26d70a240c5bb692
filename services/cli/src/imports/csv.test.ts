import { describe, expect, it } from "vitest";
import { type ColumnSpec, MAX_FIELD_CHARS, normaliseHeader, readCsv } from "./csv";
import { ImportFileError } from "./errors";

const COLUMNS: ColumnSpec[] = [
  { name: "prison", aliases: ["prison_id"], required: true },
  { name: "population", aliases: [], required: true },
  { name: "note", aliases: [], required: false },
];

describe("readCsv: exports as administrations produce them", () => {
  it("reads a BOM, CRLF, ';' separators, quoted fields and headers in any case, with line numbers", () => {
    const text = '\uFEFFPrison ID;POPULATION;Extra\r\nmd-p13;812;x\r\n\r\n"md-p18";"95";y\r\n';
    const { rows, problems } = readCsv(Buffer.from(text, "utf8"), COLUMNS);
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      { line: 2, values: { prison: "md-p13", population: "812", note: "" } },
      { line: 4, values: { prison: "md-p18", population: "95", note: "" } },
    ]);
  });

  it("normalises header spellings", () => {
    expect(normaliseHeader("  Prison-ID ")).toBe("prison_id");
    expect(normaliseHeader("Dose (mg)")).toBe("dose_(mg)");
  });

  it("refuses a file without a required column, naming it and the expected columns", () => {
    expect(() => readCsv("prison,count\nmd-p13,3\n", COLUMNS)).toThrow(ImportFileError);
    expect(() => readCsv("prison,count\nmd-p13,3\n", COLUMNS)).toThrow(/no column population/);
  });

  it("refuses a header that names a column twice (which would it take?)", () => {
    expect(() => readCsv("prison,Prison ID,population\nmd-p13,md-p18,3\n", COLUMNS)).toThrow(
      /names column prison 2 times \(fields 1, 2\)/,
    );
  });

  it("refuses an empty file", () => {
    expect(() => readCsv("", COLUMNS)).toThrow(/empty/);
  });

  it("refuses bytes that are not UTF-8", () => {
    expect(() => readCsv(Buffer.from([0x70, 0x72, 0xff, 0x0a]), COLUMNS)).toThrow(/not UTF-8/);
  });

  it("reports a broken quote by line without quoting the field", () => {
    const secret = "CLIENT-4711-SECRET";
    try {
      readCsv(`prison,population\nmd-p13,"${secret}\n`, COLUMNS);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ImportFileError);
      expect((e as Error).message).toMatch(/not valid CSV near line/);
      expect((e as Error).message).not.toContain(secret);
    }
  });

  it("refuses per row: a wrong field count, a NUL, a line break in a quoted field, an oversize field", () => {
    const long = "9".repeat(MAX_FIELD_CHARS + 1);
    const text = [
      "prison,population",
      "md-p13,1,2",
      "md-p13,1\u00002",
      '"md-\np13",5',
      `md-p13,${long}`,
      "md-p18,7",
    ].join("\n");
    const { rows, problems } = readCsv(text, COLUMNS);
    expect(rows).toEqual([{ line: 7, values: { prison: "md-p18", population: "7", note: "" } }]);
    expect(problems.map((p) => [p.line, p.column])).toEqual([
      [2, undefined],
      [3, "population"],
      [5, "prison"],
      [6, "population"],
    ]);
    for (const p of problems) expect(p.problem).not.toContain(long);
  });
});
