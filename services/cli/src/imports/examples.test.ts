import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCensus } from "./census";
import { parseOat } from "./oat";
import { oatClientToken, oatClientTokenKey } from "./token";

/** The README's example files (infra/deploy/examples) must import cleanly into registry.example.yaml's prisons. */
const examples = new URL("../../../../infra/deploy/examples/", import.meta.url);
const PRISONS = new Map([
  ["md-p13", "Europe/Chisinau"],
  ["md-p18", "Europe/Chisinau"],
]);
const NOW = Date.UTC(2026, 11, 1);

describe("the example files", () => {
  it("census.example.csv: a week of two prisons, every row valid", () => {
    const r = parseCensus(readFileSync(new URL("census.example.csv", examples)), PRISONS, NOW);
    expect(r.problems).toEqual([]);
    expect(r.rows.length).toBe(14);
    expect(r.rows[0]).toEqual({
      line: 2,
      prisonId: "md-p13",
      date: "2026-11-02",
      population: 1013,
      admissions: 4,
      releases: 3,
    });
  });

  it("oat-register.example.csv: every row valid, no client id left in what is read", () => {
    const key = oatClientTokenKey("an-example-deployment-secret");
    const text = readFileSync(new URL("oat-register.example.csv", examples));
    const r = parseOat(text, PRISONS, (p, id) => oatClientToken(key, p, id), NOW);
    expect(r.problems).toEqual([]);
    expect(r.rows.length).toBe(9);
    expect(r.rows[0]?.time).toBe("2026-11-02T10:15:00+02:00");
    const read = JSON.stringify(r.rows);
    for (const id of ["R-000123", "R-000147", "B-0031"]) expect(read).not.toContain(id);
  });
});
