import { beforeAll, describe, expect, it } from "vitest";
import { loadSolver } from "../highs";
import { type Figure, type PeriodCounts, PROGRAMME, prisonFigure, programmeFigure } from "./figures";
import { HIDDEN, type LpSolver, publish, suppress, UNDEFINED } from "./suppress";

let solver: LpSolver;
beforeAll(async () => {
  solver = await loadSolver();
});

const est = {
  estimateId: 1,
  effectiveFrom: "2026-01-01",
  injectingPrevalence: 0.2,
  opioidDependencePrevalence: 0.1,
  source: "t",
};
const Q1 = { grain: "quarter", periodStart: "2026-01-01", periodEnd: "2026-03-31" } as const;
const Q2 = { grain: "quarter", periodStart: "2026-04-01", periodEnd: "2026-06-30" } as const;
const Q3 = { grain: "quarter", periodStart: "2026-07-01", periodEnd: "2026-09-30" } as const;
const Q4 = { grain: "quarter", periodStart: "2026-10-01", periodEnd: "2026-12-31" } as const;
const YEAR = { grain: "year", periodStart: "2026-01-01", periodEnd: "2026-12-31" } as const;

function counts(scope: string, c: Partial<PeriodCounts>): PeriodCounts {
  return {
    scope,
    ...Q1,
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
/** One period's table: the prisons and their programme total (additive counts summed, people too). */
function table(prisons: Partial<PeriodCounts>[], period: Partial<PeriodCounts> = Q1): Figure[] {
  const ps = prisons.map((c, i) => prisonFigure(counts(`p${i}`, { ...period, ...c }), est));
  const sum = (k: keyof PeriodCounts) => ps.reduce((a, p) => a + (p[k] as number), 0);
  const t = counts(PROGRAMME, {
    ...period,
    nspClients: sum("nspClients"),
    nspNew: sum("nspNew"),
    nspRegular: sum("nspRegular"),
    syringeKits: sum("syringeKits"),
    syringes: sum("syringes"),
    naloxoneKits: sum("naloxoneKits"),
    oatActiveEnd: sum("oatActiveEnd"),
    avgPopulation: sum("avgPopulation"),
  });
  return [...ps, programmeFigure(t, ps)];
}
const hiddenOf = (figs: Figure[], threshold = 5) => {
  const { cells } = suppress(solver, figs, () => threshold);
  return Object.fromEntries(
    [...cells].map(([k, set]) => [k.split("|").slice(0, 3).join("|"), [...set].sort()]),
  );
};
const key = (p: { grain: string; periodStart: string }, scope: string) =>
  `${p.grain}|${p.periodStart}|${scope}`;

describe("optimal complementary suppression (HiGHS)", () => {
  it("given no count between 1 and 4, when published, then nothing is hidden and zero is shown", () => {
    const pub = publish(solver, table([{ naloxoneKits: 0 }, {}]));
    expect(pub.every((p) => p.suppressed.length === 0)).toBe(true);
    expect(pub[0]?.naloxoneKits).toBe(0);
  });

  it("given one prison's OAT count of 3, when published, then it and the cheapest other prison's are hidden, with their rates and bands", () => {
    const h = hiddenOf(table([{ oatActiveEnd: 3 }, { oatActiveEnd: 30 }, { oatActiveEnd: 12 }]));
    expect(h[key(Q1, "p0")]).toEqual(["oatActiveEnd", "oatBand", "oatReachPct"]);
    // p2 (12) is cheaper than p1 (30) and than the programme (45, weighted ×3); 12 ≥ 5 lets p0 reach 5.
    expect(h[key(Q1, "p2")]).toEqual(["oatActiveEnd", "oatBand", "oatReachPct"]);
    expect(h[key(Q1, "p1")]).toEqual([]);
    expect(h[key(Q1, PROGRAMME)]).toEqual([]);
  });

  it("given two small naloxone counts 1 and 2 in a table, when published, then hiding them together is not enough (their sum is 3 < 5): a third cell is hidden", () => {
    const h = hiddenOf(
      table([{ naloxoneKits: 1 }, { naloxoneKits: 2 }, { naloxoneKits: 40 }, { naloxoneKits: 30 }]),
    );
    const hiddenScopes = Object.entries(h)
      .filter(([, cols]) => cols.includes("naloxoneKits"))
      .map(([k]) => k.split("|")[2]);
    expect(hiddenScopes).toContain("p0");
    expect(hiddenScopes).toContain("p1");
    expect(hiddenScopes.length).toBeGreaterThanOrEqual(3);
  });

  it("given a single prison whose count is small, when published, then the programme total (equal to it) is hidden too", () => {
    const h = hiddenOf(table([{ naloxoneKits: 2 }]));
    expect(h[key(Q1, "p0")]).toContain("naloxoneKits");
    expect(h[key(Q1, PROGRAMME)]).toContain("naloxoneKits");
    expect(h[key(Q1, PROGRAMME)]).toContain("naloxonePer100Releases");
  });

  it("given 3 syringe kits (30 syringes), when published, then the syringes are small and hidden with their rate and band", () => {
    // 3 kits: at most 3 clients (each client took ≥ 1 kit), themselves small and hidden.
    const h = hiddenOf(table([{ nspClients: 2, nspRegular: 1, syringeKits: 3, syringes: 30 }, {}, {}]));
    expect(h[key(Q1, "p0")]).toEqual(
      expect.arrayContaining(["syringeBand", "syringes", "syringesPerPwidYear", "nspClients"]),
    );
  });

  it("given a small quarter and a visible year, when published, then another quarter of that prison (or the year) is hidden too", () => {
    const q1 = table([{ naloxoneKits: 2 }, { naloxoneKits: 30 }, { naloxoneKits: 25 }], Q1);
    const q2 = table([{ naloxoneKits: 20 }, { naloxoneKits: 30 }, { naloxoneKits: 25 }], Q2);
    const yr = { syringeKits: 600, syringes: 6000 };
    const year = table(
      [
        { ...yr, naloxoneKits: 22 },
        { ...yr, naloxoneKits: 60 },
        { ...yr, naloxoneKits: 50 },
      ],
      YEAR,
    );
    const h = hiddenOf([...q1, ...q2, ...year]);
    expect(h[key(Q1, "p0")]).toContain("naloxoneKits");
    const partners = [h[key(Q2, "p0")], h[key(YEAR, "p0")]].filter((c) => c?.includes("naloxoneKits"));
    expect(partners.length).toBeGreaterThanOrEqual(1);
  });

  it("given hidden NSP clients, when published, then the regular-access rate (its denominator hidden) is hidden too", () => {
    const h = hiddenOf(table([{ nspClients: 4, nspRegular: 0 }, { nspClients: 50 }, { nspClients: 60 }]));
    expect(h[key(Q1, "p0")]).toEqual(expect.arrayContaining(["nspClients", "nspReachPct", "regularPct"]));
    expect(h[key(Q1, "p0")]).not.toContain("nspRegular");
  });

  it("given 3 NSP clients who took 12 kits (120 syringes) in a quarter (red team, issue #15), when published, then the syringes and their rate are hidden with the clients: syringes > 0 would prove clients > 0", () => {
    const quarters = [Q1, Q2, Q3, Q4];
    const a = [
      { nspClients: 3, nspRegular: 0, syringeKits: 12 },
      { nspClients: 40, nspRegular: 20, syringeKits: 300 },
      { nspClients: 42, nspRegular: 21, syringeKits: 310 },
      { nspClients: 45, nspRegular: 22, syringeKits: 320 },
    ];
    const b = [400, 410, 420, 430].map((k, i) => ({ nspClients: 50 + i, nspRegular: 25, syringeKits: k }));
    const withSyringes = (c: { nspClients: number; nspRegular: number; syringeKits: number }) => ({
      ...c,
      syringes: c.syringeKits * 10,
    });
    const figs = [
      ...quarters.flatMap((q, i) => table([withSyringes(a[i] as never), withSyringes(b[i] as never)], q)),
      ...table(
        [
          withSyringes({ nspClients: 60, nspRegular: 30, syringeKits: 942 }),
          withSyringes({ nspClients: 70, nspRegular: 35, syringeKits: 1660 }),
        ],
        YEAR,
      ),
    ];
    const h = hiddenOf(figs);
    expect(h[key(Q1, "p0")]).toEqual(
      expect.arrayContaining(["nspClients", "syringes", "syringesPerPwidYear", "syringeBand", "nspReachPct"]),
    );
    // The 120 syringes need complements of their own (the quarter's total and A's year are shown).
    const syringeHidden = Object.values(h).filter((cols) => cols.includes("syringes")).length;
    expect(syringeHidden).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it("given 2 regular clients of 8 clients who took 10 kits, when published, then clients or syringes are hidden too (kits ≥ clients + regular bounds the regular clients to 2)", () => {
    const h = hiddenOf(
      table([
        { nspClients: 8, nspRegular: 2, syringeKits: 10, syringes: 100 },
        { nspClients: 50 },
        { nspClients: 60 },
      ]),
    );
    expect(h[key(Q1, "p0")]).toContain("nspRegular");
    expect(h[key(Q1, "p0")]?.some((c) => c === "nspClients" || c === "syringes")).toBe(true);
  });

  it("given a configured threshold of 10, when published, then 7 is hidden; with 5 it is shown", () => {
    const figs = table([{ oatActiveEnd: 7 }, { oatActiveEnd: 30 }, { oatActiveEnd: 12 }]);
    expect(hiddenOf(figs, 10)[key(Q1, "p0")]).toContain("oatActiveEnd");
    expect(hiddenOf(figs, 5)[key(Q1, "p0")]).not.toContain("oatActiveEnd");
  });

  it("given days, weeks and months, when published, then only quarters and years are (funders' grains), without new / returning clients or kits", () => {
    const month = table([{}], { grain: "month", periodStart: "2026-01-01", periodEnd: "2026-01-31" });
    const pub = publish(solver, [...month, ...table([{}])]);
    expect(pub.map((p) => p.grain)).toEqual(["quarter", "quarter"]);
    expect(pub[0]?.nspNew).toBeNull();
    expect(pub[0]?.nspReturning).toBeNull();
    expect(pub[0]?.syringeKits).toBeNull();
    expect(pub[0]?.nspClients).toBe(40);
  });

  it("given the same figures twice, when suppressed, then the pattern is the same (a changing pattern would leak)", () => {
    const figs = table([
      { oatActiveEnd: 3 },
      { oatActiveEnd: 12 },
      { oatActiveEnd: 12 },
      { naloxoneKits: 1 },
    ]);
    expect(hiddenOf(figs)).toEqual(hiddenOf([...figs].reverse()));
  });

  it("one symbol marks hidden values, another undefined ones", () => {
    expect(HIDDEN).not.toBe(UNDEFINED);
  });
});
