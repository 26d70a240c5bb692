import { describe, expect, it } from "vitest";
import { parseCensus } from "./census";
import { describeRow } from "./errors";

const PRISONS = new Map([
  ["md-p13", "Europe/Chisinau"],
  ["kiri-1", "Pacific/Kiritimati"],
]);
/** 2026-03-10 12:00 UTC: 14:00 in Chisinau, already 02:00 on the 11th in Kiritimati (UTC+14). */
const NOW = Date.UTC(2026, 2, 10, 12);
const HEADER = "prison,date,population,admissions,releases";

const parse = (lines: string[]) => parseCensus([HEADER, ...lines].join("\n"), PRISONS, NOW);

describe("parseCensus", () => {
  it("reads valid rows; DD.MM.YYYY is a day-first date", () => {
    const r = parse(["md-p13,2026-03-08,812,4,3", "md-p13,09.03.2026,813,2,1"]);
    expect(r.problems).toEqual([]);
    expect(r.rows).toEqual([
      { line: 2, prisonId: "md-p13", date: "2026-03-08", population: 812, admissions: 4, releases: 3 },
      { line: 3, prisonId: "md-p13", date: "2026-03-09", population: 813, admissions: 2, releases: 1 },
    ]);
  });

  it("refuses hostile rows, each with its line and column", () => {
    const r = parse([
      "md-p13,2026-02-30,800,1,1", // not a day
      "md-p13,03/01/2026,800,1,1", // ambiguous
      "md-p13,2026-03-01,-5,1,1", // negative
      "md-p13,2026-03-02,800.5,1,1", // not whole
      "md-p13,2026-03-03,100001,1,1", // above the contract's limit
      "md-p13,2026-03-04,800,,1", // empty
      "md-p99,2026-03-05,800,1,1", // unknown prison
      "md p13,2026-03-06,800,1,1", // not an id
      "md-p13,2026-03-10,800,1,1", // today in Chisinau: not over
      "kiri-1,2026-03-10,50,0,0", // over in Kiritimati (it is the 11th there)
      "kiri-1,2026-03-11,50,0,0", // today in Kiritimati
    ]);
    const got = r.problems.map((p) => [p.line, p.column]);
    expect(got).toEqual([
      [2, "date"],
      [3, "date"],
      [4, "population"],
      [5, "population"],
      [6, "population"],
      [7, "admissions"],
      [8, "prison"],
      [9, "prison"],
      [10, "date"],
      [12, "date"],
    ]);
    expect(r.rows.map((x) => x.line)).toEqual([11]);
    expect(describeRow(r.problems[2] as (typeof r.problems)[number])).toBe(
      "line 4, column population: is negative; a count cannot be",
    );
    expect(r.problems[6]?.problem).toMatch(/not a prison of the registry/);
  });

  it("keeps the first of exact repeats and refuses conflicting rows for the same prison and day", () => {
    const r = parse([
      "md-p13,2026-03-01,800,1,1",
      "md-p13,2026-03-01,800,1,1",
      "md-p13,2026-03-02,800,1,1",
      "md-p13,02.03.2026,801,1,1",
    ]);
    expect(r.rows.map((x) => x.line)).toEqual([2]);
    expect(r.problems.map((p) => [p.line, p.problem])).toEqual([
      [3, "repeats line 2 exactly"],
      [4, "gives other figures for the same key as line 5; keep one row per key"],
      [5, "gives other figures for the same key as line 4; keep one row per key"],
    ]);
  });

  it("never quotes a value in a problem", () => {
    const odd = "ZZ-UNIQUE-VALUE-77";
    const r = parse([`${odd},${odd},${odd},${odd},${odd}`]);
    expect(r.problems.length).toBe(5);
    for (const p of r.problems) expect(describeRow(p)).not.toContain(odd);
  });
});
