import { describe, expect, it } from "vitest";
import { type Figure, type PeriodCounts, PROGRAMME, prisonFigure, programmeFigure } from "./figures";
import { COUNT_COLUMNS, publish, suppress, suppressTable } from "./suppress";

const est = {
  estimateId: 1,
  effectiveFrom: "2026-01-01",
  injectingPrevalence: 0.2,
  opioidDependencePrevalence: 0.1,
  source: "t",
};
function counts(scope: string, c: Partial<PeriodCounts>): PeriodCounts {
  return {
    scope,
    grain: "quarter",
    periodStart: "2026-01-01",
    periodEnd: "2026-03-31",
    daysObserved: 90,
    avgPopulation: 500,
    admissions: 100,
    releases: 90,
    nspClients: 40,
    nspNew: 10,
    nspRegular: 20,
    syringeKits: 300,
    syringes: 3000,
    naloxoneKits: 20,
    oatActiveEnd: 12,
    ...c,
  };
}
function table(prisons: Partial<PeriodCounts>[], total?: Partial<PeriodCounts>): Figure[] {
  const ps = prisons.map((c, i) => prisonFigure(counts(`p${i}`, c), est));
  const sum = (k: keyof PeriodCounts) => ps.reduce((a, p) => a + (p[k] as number), 0);
  const t = counts(PROGRAMME, {
    nspClients: sum("nspClients"),
    nspNew: sum("nspNew"),
    nspRegular: sum("nspRegular"),
    syringeKits: sum("syringeKits"),
    syringes: sum("syringes"),
    naloxoneKits: sum("naloxoneKits"),
    oatActiveEnd: sum("oatActiveEnd"),
    avgPopulation: sum("avgPopulation"),
    ...total,
  });
  return [...ps, programmeFigure(t, ps)];
}
const hidden = (figs: Figure[], threshold = 5) => {
  const { cells } = suppressTable(figs, threshold);
  return Object.fromEntries([...cells].map(([s, set]) => [s, [...set].sort()]));
};

describe("small-cell suppression", () => {
  it("given no count between 1 and 4, when published, then nothing is hidden (zero is shown)", () => {
    const figs = table([{ naloxoneKits: 0 }, {}]);
    expect(publish(figs).every((p) => p.suppressed.length === 0)).toBe(true);
    expect(publish(figs)[0]?.naloxoneKits).toBe(0);
  });

  it("given one prison's OAT count of 3, when published, then it is hidden, and so is the smallest other prison's (the total would reveal it), with their rates", () => {
    const figs = table([{ oatActiveEnd: 3 }, { oatActiveEnd: 30 }, { oatActiveEnd: 12 }]);
    const h = hidden(figs);
    expect(h["p0"]).toEqual(["oatActiveEnd", "oatBand", "oatReachPct"]);
    expect(h["p2"]).toEqual(["oatActiveEnd", "oatBand", "oatReachPct"]);
    expect(h["p1"]).toEqual([]);
    expect(h[PROGRAMME]).toEqual([]);
    const pub = publish(figs);
    expect(pub[0]?.oatActiveEnd).toBeNull();
    expect(pub[0]?.oatReachPct).toBeNull();
    expect(pub[1]?.oatActiveEnd).toBe(30);
  });

  it("given a single prison whose count is small, when published, then the programme total (equal to it) is hidden too", () => {
    const h = hidden(table([{ naloxoneKits: 2 }]));
    expect(h["p0"]).toContain("naloxoneKits");
    expect(h[PROGRAMME]).toContain("naloxoneKits");
    expect(h[PROGRAMME]).toContain("naloxonePer100Releases");
  });

  it("given 2 new clients, when published, then returning is hidden too (clients = new + returning), and the column partner in another prison", () => {
    const h = hidden(
      table([
        { nspNew: 2, nspClients: 40 },
        { nspNew: 9, nspClients: 30 },
      ]),
    );
    expect(h["p0"]).toEqual(expect.arrayContaining(["nspNew", "nspReturning"]));
    // p0's returning hidden → the returning column needs a second hidden cell; p0's new → p1's new.
    expect(h["p1"]).toEqual(expect.arrayContaining(["nspNew", "nspReturning"]));
    for (const [scope, cols] of Object.entries(h))
      if (scope !== PROGRAMME) expect(cols).not.toContain("nspClients");
  });

  it("given 3 syringe kits, when published, then syringes (kits × 10) are hidden with them", () => {
    const h = hidden(
      table([
        { syringeKits: 3, syringes: 30 },
        { syringeKits: 200, syringes: 2000 },
      ]),
    );
    expect(h["p0"]).toEqual(
      expect.arrayContaining(["syringeKits", "syringes", "syringesPerPwidYear", "syringeBand"]),
    );
  });

  it("given a regular count of 4 and many clients, when published, then regular access % is hidden with it", () => {
    const h = hidden(table([{ nspRegular: 4 }, { nspRegular: 25 }]));
    expect(h["p0"]).toEqual(expect.arrayContaining(["nspRegular", "regularPct"]));
    expect(h["p0"]).not.toContain("nspClients");
  });

  it("given a threshold of 10, when published, then counts 1–9 are hidden and no visible count is below it", () => {
    const figs = table([{ oatActiveEnd: 9, naloxoneKits: 7 }, { oatActiveEnd: 10 }, { oatActiveEnd: 40 }]);
    for (const p of publish(figs, 10))
      for (const c of COUNT_COLUMNS) {
        const v = p[c];
        if (typeof v === "number") expect(v === 0 || v >= 10, `${p.scope}.${c}=${v}`).toBe(true);
      }
    expect(publish(figs, 10)[0]?.threshold).toBe(10);
  });
});

describe("suppression across periods", () => {
  const day = (d: string, scope: string, naloxoneKits: number) => ({
    ...counts(scope, {
      naloxoneKits,
      nspClients: 0,
      nspNew: 0,
      nspRegular: null,
      syringeKits: 0,
      syringes: 0,
      oatActiveEnd: 0,
    }),
    grain: "day" as const,
    periodStart: d,
    periodEnd: d,
  });
  it("given a day with 3 naloxone kits in a month whose total is published, when suppressed, then a second day of that month is hidden too", () => {
    const rows = [
      day("2026-03-02", "p0", 3),
      day("2026-03-03", "p0", 12),
      day("2026-03-04", "p0", 20),
      {
        ...counts("p0", {
          naloxoneKits: 35,
          nspClients: 0,
          nspNew: 0,
          syringeKits: 0,
          syringes: 0,
          oatActiveEnd: 0,
        }),
        grain: "month" as const,
        periodStart: "2026-03-01",
        periodEnd: "2026-03-31",
      },
    ];
    const { cells } = suppress(rows, () => 5);
    expect(cells.get("day|2026-03-02|p0")?.has("naloxoneKits")).toBe(true);
    expect(cells.get("day|2026-03-03|p0")?.has("naloxoneKits")).toBe(true); // the smallest other
    expect(cells.get("day|2026-03-04|p0")?.has("naloxoneKits")).toBe(false);
    expect(cells.get("month|2026-03-01|p0")?.has("naloxoneKits")).toBe(false);
  });
});

describe("choosing the complementary cell", () => {
  const q = (start: string, end: string, nspNew: number, grain: "quarter" | "year" = "quarter") => ({
    ...counts("p0", {
      nspNew,
      nspClients: nspNew,
      syringeKits: 100,
      syringes: 1000,
      naloxoneKits: 10,
      oatActiveEnd: 10,
    }),
    grain,
    periodStart: start,
    periodEnd: end,
  });
  it("given 3 new clients in a 4-day second quarter and none returning in the first, when suppressed, then the year's count is hidden, not the first quarter's headline", () => {
    const rows = [
      q("2026-01-01", "2026-03-31", 98),
      q("2026-04-01", "2026-06-30", 3),
      q("2026-01-01", "2026-12-31", 101, "year"),
    ];
    const { cells, small } = suppress(rows, () => 5);
    expect([...(small.get("quarter|2026-04-01|p0") ?? [])]).toContain("nspNew");
    expect(cells.get("year|2026-01-01|p0")?.has("nspNew")).toBe(true);
    expect(cells.get("quarter|2026-01-01|p0")?.has("nspNew")).toBe(false);
    expect(cells.get("quarter|2026-01-01|p0")?.has("nspClients")).toBe(false);
  });
});

describe("stocks at the period's end", () => {
  it("given a month and its last day with the same OAT count, when the day's is hidden to protect another prison, then the month's is hidden too", () => {
    const row = (scope: string, grain: "day" | "month", start: string, oatActiveEnd: number) => ({
      ...counts(scope, {
        oatActiveEnd,
        nspClients: 0,
        nspNew: 0,
        nspRegular: null,
        syringeKits: 0,
        syringes: 0,
        naloxoneKits: 0,
      }),
      grain,
      periodStart: start,
      periodEnd: "2026-03-31",
    });
    const rows = [
      row("p0", "day", "2026-03-31", 3),
      row("p1", "day", "2026-03-31", 12),
      row(PROGRAMME, "day", "2026-03-31", 15),
      row("p0", "month", "2026-03-01", 3),
      row("p1", "month", "2026-03-01", 12),
      row(PROGRAMME, "month", "2026-03-01", 15),
    ];
    const { cells } = suppress(rows, () => 5);
    const hiddenOat = [...cells].filter(([, set]) => set.has("oatActiveEnd")).map(([k]) => k);
    // p0 is small in both; whichever cell protects it in one table is hidden in the other too.
    for (const scope of ["p1", PROGRAMME])
      expect(hiddenOat.includes(`day|2026-03-31|${scope}`)).toBe(
        hiddenOat.includes(`month|2026-03-01|${scope}`),
      );
    expect(hiddenOat.length).toBeGreaterThanOrEqual(4);
  });
});
