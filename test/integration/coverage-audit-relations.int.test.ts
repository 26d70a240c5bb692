import { describe, expect, it } from "vitest";
import { auditPublication, type FunderRow, type TrueCounts } from "../support/coverage-audit";

/**
 * The attacker's audit on a hand-made publication (no service code): the red-team case of
 * issue #15 (prisons A and B, one year; A's Q1 has 3 NSP clients who took 12 kits of 10
 * syringes). The service once hid A/Q1's NSP clients but published its 120 syringes: by
 * docs/domain.md an NSP client is a card with ≥ 1 syringe-kit dispense, so syringes > 0 means
 * clients ≥ 1 and the hidden count is no longer "anything from 0 to the threshold". The audit
 * must know the links between people and what they took, and say so.
 */

const T = 5;
const PER_KIT = 10;
const QUARTERS = [
  ["2026-01-01", "2026-03-31", 90],
  ["2026-04-01", "2026-06-30", 91],
  ["2026-07-01", "2026-09-30", 92],
  ["2026-10-01", "2026-12-31", 92],
] as const;
type Counts = { nspClients: number; nspRegular: number; syringeKits: number };
const A: Counts[] = [
  { nspClients: 3, nspRegular: 0, syringeKits: 12 },
  { nspClients: 40, nspRegular: 20, syringeKits: 300 },
  { nspClients: 42, nspRegular: 21, syringeKits: 310 },
  { nspClients: 45, nspRegular: 22, syringeKits: 320 },
];
const B: Counts[] = [
  { nspClients: 50, nspRegular: 25, syringeKits: 400 },
  { nspClients: 51, nspRegular: 25, syringeKits: 410 },
  { nspClients: 52, nspRegular: 26, syringeKits: 420 },
  { nspClients: 53, nspRegular: 26, syringeKits: 430 },
];
const YEARS: Record<string, Counts> = {
  A: { nspClients: 60, nspRegular: 30, syringeKits: 942 },
  B: { nspClients: 70, nspRegular: 35, syringeKits: 1660 },
  "*": { nspClients: 125, nspRegular: 64, syringeKits: 2602 },
};

interface Case {
  rows: FunderRow[];
  truth: Map<string, TrueCounts>;
}

/** The full table with every figure visible; `hide` then removes what a pattern hides. */
function table(): Case {
  const rows: FunderRow[] = [];
  const truth = new Map<string, TrueCounts>();
  const add = (scope: string, grain: string, start: string, end: string, days: number, c: Counts) => {
    const isTotal = scope === "*";
    const pop = isTotal ? 1000 : 500;
    const pwid = pop * 0.2;
    const opioid = pop * 0.1;
    const syringes = c.syringeKits * PER_KIT;
    const naloxone = isTotal ? (grain === "year" ? 240 : 60) : grain === "year" ? 120 : 30;
    const oat = isTotal ? 40 : 20;
    rows.push({
      prison_id: scope,
      grain,
      period_start: start,
      period_end: end,
      days_observed: days,
      avg_population: pop,
      releases: isTotal ? 200 : 100,
      est_pwid: pwid,
      est_opioid_dependent: opioid,
      nsp_clients: c.nspClients,
      nsp_regular: c.nspRegular,
      syringes,
      naloxone_kits: naloxone,
      oat_active_end: oat,
      nsp_reach_pct: (100 * c.nspClients) / pwid,
      regular_pct: c.nspClients > 0 ? (100 * c.nspRegular) / c.nspClients : null,
      syringes_per_pwid_year: (syringes / pwid) * (365 / days),
      syringe_band: null,
      naloxone_per_100_prisoners: (100 * naloxone) / pop,
      naloxone_per_100_releases: (100 * naloxone) / (isTotal ? 200 : 100),
      oat_reach_pct: (100 * oat) / opioid,
      oat_band: null,
      suppressed: [],
    });
    truth.set(`${grain}|${start}|${scope}`, {
      nspClients: c.nspClients,
      nspRegular: c.nspRegular,
      syringeKits: c.syringeKits,
      syringes,
      naloxoneKits: naloxone,
      oatActiveEnd: oat,
    });
  };
  QUARTERS.forEach(([s, e, d], i) => {
    const a = A[i] as Counts;
    const b = B[i] as Counts;
    add("A", "quarter", s, e, d, a);
    add("B", "quarter", s, e, d, b);
    add("*", "quarter", s, e, d, {
      nspClients: a.nspClients + b.nspClients,
      nspRegular: a.nspRegular + b.nspRegular,
      syringeKits: a.syringeKits + b.syringeKits,
    });
  });
  for (const [scope, c] of Object.entries(YEARS)) add(scope, "year", "2026-01-01", "2026-12-31", 365, c);
  return { rows, truth };
}

/** Hides columns (snake_case) of a row, with the rates computed from them. */
const RATES: Record<string, string[]> = {
  nsp_clients: ["nsp_reach_pct", "regular_pct"],
  nsp_regular: ["regular_pct"],
  syringes: ["syringes_per_pwid_year", "syringe_band"],
};
const camel = (s: string) => s.replace(/_([a-z])/g, (_, x: string) => x.toUpperCase());
function hide(c: Case, key: string, columns: string[]) {
  const [grain, start, scope] = key.split("|");
  const r = c.rows.find((x) => x.grain === grain && x.period_start === start && x.prison_id === scope);
  if (!r) throw new Error(`no row ${key}`);
  for (const col of [...columns, ...columns.flatMap((x) => RATES[x] ?? [])]) {
    (r as unknown as Record<string, unknown>)[col] = null;
    if (!r.suppressed.includes(camel(col))) r.suppressed.push(camel(col));
  }
}
const audit = (c: Case) =>
  auditPublication(c.rows, (r) => c.truth.get(`${r.grain}|${r.period_start}|${r.prison_id}`), T, PER_KIT);
const A1 = "quarter|2026-01-01|A";
const B1 = "quarter|2026-01-01|B";
const A2 = "quarter|2026-04-01|A";
const B2 = "quarter|2026-04-01|B";

describe("the attacker's audit knows clients took syringes (red-team case, issue #15)", () => {
  it("given A/Q1's 3 clients hidden with B/Q1's but A/Q1's 120 syringes and syringes per PWID shown (the pattern the reviewer got), then the audit fails: the clients' minimum is above 0", async () => {
    const c = table();
    hide(c, A1, ["nsp_clients"]);
    hide(c, B1, ["nsp_clients"]);
    const r = await audit(c);
    const a1 = r.intervals.find((x) => x.key === `${A1}|nsp_clients`);
    console.log(`red-team pattern: A/Q1 clients in [${a1?.min}, ${a1?.max}]; ${r.failures.join("; ")}`);
    expect(a1?.small).toBe(true);
    expect(a1?.min).toBeGreaterThan(1e-6);
    expect(r.failures.some((f) => f.startsWith(`${A1}|nsp_clients = 3 narrowed to`))).toBe(true);
  });

  it("given only the syringes per PWID per year shown beside hidden syringes, then the rate fixes the syringes and the audit still fails", async () => {
    const c = table();
    hide(c, A1, ["nsp_clients", "syringes"]);
    hide(c, B1, ["nsp_clients", "syringes"]);
    hide(c, A2, ["syringes"]);
    hide(c, B2, ["syringes"]);
    const row = c.rows.find((x) => `${x.grain}|${x.period_start}|${x.prison_id}` === A1) as FunderRow;
    row.syringes_per_pwid_year = (120 / 100) * (365 / 90);
    row.suppressed = row.suppressed.filter((s) => s !== "syringesPerPwidYear");
    const r = await audit(c);
    expect(r.failures.some((f) => f.startsWith(`${A1}|nsp_clients = 3 narrowed to`))).toBe(true);
  });

  it("given A/Q1's syringes hidden too, with a rectangle of complements (B/Q1, A/Q2, B/Q2 syringes), then the audit passes: A/Q1's clients can be 0 and 5", async () => {
    const c = table();
    hide(c, A1, ["nsp_clients", "syringes"]);
    hide(c, B1, ["nsp_clients", "syringes"]);
    hide(c, A2, ["syringes"]);
    hide(c, B2, ["syringes"]);
    const r = await audit(c);
    expect(r.failures).toEqual([]);
    const a1 = r.intervals.find((x) => x.key === `${A1}|nsp_clients`);
    expect(a1?.min).toBeLessThanOrEqual(1e-6);
    expect(a1?.max).toBeGreaterThanOrEqual(T);
    // Syringes may be anything from 0 up to the year's: not a small count (12 kits ≥ 5), but hidden.
    const s = r.intervals.find((x) => x.key === `${A1}|syringes`);
    expect(s?.min).toBeLessThanOrEqual(1e-6);
  });

  it("given A/Q1's syringes hidden without complements, then the quarter's total gives them away and the clients with them", async () => {
    const c = table();
    hide(c, A1, ["nsp_clients", "syringes"]);
    hide(c, B1, ["nsp_clients"]);
    const r = await audit(c);
    expect(r.failures.some((f) => f.startsWith(`${A1}|nsp_clients = 3 narrowed to`))).toBe(true);
  });

  it("given regular clients hidden and small while clients and syringes show, then clients bound them: regular ≤ clients and each regular client took ≥ 2 kits (kits ≥ clients + regular)", async () => {
    // A/Q1: 8 clients, 2 of them regular, who took 10 kits (A/Q2 takes the other 2 of the year's
    // kits): regular ≤ 10 − 8 = 2 < 5, narrowed below the threshold although clients show 8.
    const saved = [A[0], A[1]] as [Counts, Counts];
    A[0] = { nspClients: 8, nspRegular: 2, syringeKits: 10 };
    A[1] = { ...saved[1], syringeKits: saved[1].syringeKits + 2 };
    try {
      const d = table();
      hide(d, A1, ["nsp_regular"]);
      hide(d, B1, ["nsp_regular"]);
      const r = await audit(d);
      const reg = r.intervals.find((x) => x.key === `${A1}|nsp_regular`);
      expect(reg?.small).toBe(true);
      expect(reg?.max).toBeLessThan(T);
      expect(r.failures.some((f) => f.startsWith(`${A1}|nsp_regular = 2 narrowed to`))).toBe(true);
    } finally {
      [A[0], A[1]] = saved;
    }
  });
});
