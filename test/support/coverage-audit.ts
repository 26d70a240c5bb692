import highsLoader from "highs";

/**
 * The attacker's audit of the funder publication, written apart from the coverage service's
 * suppression (it shares no code and no model with services/coverage/src/domain/suppress.ts).
 *
 * It takes what the funder role reads (`funder.coverage`, every grain, period and total it
 * holds) and asks, for every hidden count, the two questions a determined reader can answer with
 * a linear-programming solver: what is the smallest and the largest value consistent with
 * everything published? Its linear program holds:
 * - every visible count, fixed;
 * - non-negativity of every count (integrality relaxed);
 * - the relations that hold by docs/domain.md's definitions: syringes and naloxone kits of the
 *   programme are the sum of its prisons' and a period's the sum of its sub-periods' (a year of
 *   its quarters, a quarter of its months, a month or week of its days; a missing row is zero);
 *   distinct people (NSP clients, OAT clients) are at least each part and at most the sum of the
 *   parts, across prisons and across sub-periods; OAT clients at the end
 *   are the same number for periods that end on the same day; regular clients ≤ clients;
 * - people and what they took: each NSP client took ≥ 1 syringe kit and each regular client
 *   ≥ 2 (one in each of ≥ 2 windows), so syringes ≥ syringesPerKit × (clients + regular
 *   clients); and a client takes at most MAX_KITS_PER_CLIENT_DAY kits a day, so syringes ≤
 *   syringesPerKit × MAX_KITS_PER_CLIENT_DAY × days × clients (syringes > 0 ⇒ clients > 0);
 * - every visible rate with its known denominator (reach = clients / estimated PWID, syringes
 *   per PWID per year, naloxone per 100 prisoners / releases, OAT reach, regular % = regular /
 *   clients) and every visible WHO band (an interval on its rate).
 * The promise it checks (README, "Disclosure control"): every count below the threshold (people
 * and naloxone kits 1 … t−1; syringes from 1 … t−1 kits) is hidden, and its feasible interval
 * still contains 0 and t (t kits' syringes). Which hidden cells are small it learns from the
 * ground truth (the ledger's reference figures), never from the publication.
 */

export interface FunderRow {
  prison_id: string;
  grain: string;
  period_start: string;
  period_end: string;
  days_observed: number;
  avg_population: number | null;
  releases: number;
  est_pwid: number | null;
  est_opioid_dependent: number | null;
  nsp_clients: number | null;
  nsp_regular: number | null;
  syringes: number | null;
  naloxone_kits: number | null;
  oat_active_end: number | null;
  nsp_reach_pct: number | null;
  regular_pct: number | null;
  syringes_per_pwid_year: number | null;
  syringe_band: string | null;
  naloxone_per_100_prisoners: number | null;
  naloxone_per_100_releases: number | null;
  oat_reach_pct: number | null;
  oat_band: string | null;
  suppressed: string[];
}

/** The exact counts of a row, from the ledger (ground truth). */
export interface TrueCounts {
  nspClients: number;
  nspRegular: number | null;
  syringeKits: number;
  syringes: number;
  naloxoneKits: number;
  oatActiveEnd: number;
}

const COUNTS = ["nsp_clients", "nsp_regular", "syringes", "naloxone_kits", "oat_active_end"] as const;
type Count = (typeof COUNTS)[number];
const CAMEL: Record<Count, keyof TrueCounts> = {
  nsp_clients: "nspClients",
  nsp_regular: "nspRegular",
  syringes: "syringes",
  naloxone_kits: "naloxoneKits",
  oat_active_end: "oatActiveEnd",
};
/** Rates and bands: the counts they are computed from (a rate shown next to a hidden count is a leak). */
const DERIVED: Record<string, Count[]> = {
  nsp_reach_pct: ["nsp_clients"],
  regular_pct: ["nsp_regular", "nsp_clients"],
  syringes_per_pwid_year: ["syringes"],
  syringe_band: ["syringes"],
  naloxone_per_100_prisoners: ["naloxone_kits"],
  naloxone_per_100_releases: ["naloxone_kits"],
  oat_reach_pct: ["oat_active_end"],
  oat_band: ["oat_active_end"],
};
const camelOf = (snake: string) => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export interface AuditedCell {
  key: string;
  value: number;
  small: boolean;
  min: number;
  max: number;
  /** What the promise requires the interval to reach (t, or t kits' syringes); 0 for cells that are not small. */
  needs: number;
}
export interface AuditResult {
  rows: number;
  cells: number;
  hidden: number;
  small: number;
  intervals: AuditedCell[];
  failures: string[];
}

type Term = [string, number];
interface Constraint {
  terms: Term[];
  lo: number;
  hi: number;
}

/**
 * The most syringe kits one client can take in a day, as a reader may assume it: generous (the
 * pilot's and Trac-B's quota is 2 kits a week; 10 a day also covers a card used at every
 * machine of the programme). Any finite bound makes "syringes > 0" imply "clients > 0".
 */
export const MAX_KITS_PER_CLIENT_DAY = 10;

const rowKey = (r: Pick<FunderRow, "grain" | "period_start" | "prison_id">) =>
  `${r.grain}|${r.period_start}|${r.prison_id}`;

let highs: Awaited<ReturnType<typeof highsLoader>> | undefined;

/**
 * Audits a publication. `truth(row)` gives the exact counts of a published row; `threshold` is
 * the rule the README promises; `syringesPerKit` the kit size (syringes are small when they come
 * from fewer than `threshold` kits).
 */
export async function auditPublication(
  rows: readonly FunderRow[],
  truth: (r: FunderRow) => TrueCounts | undefined,
  threshold: number,
  syringesPerKit: number,
): Promise<AuditResult> {
  highs ??= await highsLoader();
  const failures: string[] = [];
  const v = (r: FunderRow, c: Count) => `${rowKey(r)}|${c}`;
  const hidden = new Set<string>();
  const known = new Map<string, number>();
  const cells: string[] = [];
  for (const r of rows)
    for (const c of COUNTS) {
      const isHidden = r.suppressed.includes(camelOf(c));
      const value = r[c];
      if (isHidden) {
        if (value !== null) failures.push(`${v(r, c)} is marked hidden but published as ${value}`);
        hidden.add(v(r, c));
        cells.push(v(r, c));
      } else if (value !== null) {
        known.set(v(r, c), value);
        cells.push(v(r, c));
      }
    }
  for (const r of rows)
    for (const [rate, from] of Object.entries(DERIVED)) {
      const shown = (r as unknown as Record<string, unknown>)[rate];
      if (shown !== null && from.some((c) => hidden.has(v(r, c))) && !r.suppressed.includes(camelOf(rate)))
        failures.push(`${rowKey(r)} shows ${rate} = ${String(shown)} computed from a hidden count`);
    }

  const cons: Constraint[] = [];
  const has = (k: string) => hidden.has(k) || known.has(k);
  const eq = (terms: Term[], rhs = 0) => {
    const t = terms.filter(([k]) => has(k));
    if (t.length > 0) cons.push({ terms: t, lo: rhs, hi: rhs });
  };
  const le = (terms: Term[], rhs = 0) => {
    const t = terms.filter(([k]) => has(k));
    if (t.length > 0) cons.push({ terms: t, lo: Number.NEGATIVE_INFINITY, hi: rhs });
  };
  const between = (k: string, lo: number, hi: number) => {
    if (has(k)) cons.push({ terms: [[k, 1]], lo, hi });
  };

  const byTable = new Map<string, FunderRow[]>();
  const byScope = new Map<string, FunderRow[]>();
  for (const r of rows) {
    byTable.set(`${r.grain}|${r.period_start}`, [...(byTable.get(`${r.grain}|${r.period_start}`) ?? []), r]);
    byScope.set(r.prison_id, [...(byScope.get(r.prison_id) ?? []), r]);
  }
  // Prisons and the programme.
  for (const t of byTable.values()) {
    const total = t.find((r) => r.prison_id === "*");
    if (!total) continue;
    const parts = t.filter((r) => r.prison_id !== "*");
    for (const c of ["syringes", "naloxone_kits"] as const)
      eq([...parts.map((p) => [v(p, c), 1] as Term), [v(total, c), -1]]);
    for (const c of ["nsp_clients", "oat_active_end"] as const) {
      le([[v(total, c), 1], ...parts.map((p) => [v(p, c), -1] as Term)]);
      for (const p of parts)
        le([
          [v(p, c), 1],
          [v(total, c), -1],
        ]);
    }
  }
  // Every grain the role can read: a year is its quarters, a quarter its months, a month or a
  // week its days (funders get quarters and years; finer rows, if ever published, join in).
  const CHILD: Record<string, string> = { year: "quarter", quarter: "month", month: "day", week: "day" };
  // A period with none of its sub-periods published says nothing about them; with some
  // published, a missing one is zero (no row: nothing happened in it).
  for (const same of byScope.values()) {
    for (const y of same.filter((r) => CHILD[r.grain] !== undefined)) {
      const qs = same.filter(
        (q) => q.grain === CHILD[y.grain] && q.period_start >= y.period_start && q.period_end <= y.period_end,
      );
      if (qs.length === 0) continue;
      for (const c of ["syringes", "naloxone_kits"] as const)
        eq([...qs.map((q) => [v(q, c), 1] as Term), [v(y, c), -1]]);
      le([[v(y, "nsp_clients"), 1], ...qs.map((q) => [v(q, "nsp_clients"), -1] as Term)]);
      for (const q of qs)
        le([
          [v(q, "nsp_clients"), 1],
          [v(y, "nsp_clients"), -1],
        ]);
    }
    for (let i = 0; i < same.length; i++)
      for (let j = i + 1; j < same.length; j++) {
        const a = same[i] as FunderRow;
        const b = same[j] as FunderRow;
        if (a.period_end === b.period_end)
          eq([
            [v(a, "oat_active_end"), 1],
            [v(b, "oat_active_end"), -1],
          ]);
      }
  }
  for (const r of rows) {
    le([
      [v(r, "nsp_regular"), 1],
      [v(r, "nsp_clients"), -1],
    ]);
    // People and what they took (docs/domain.md: an NSP client is a card with ≥ 1 syringe-kit
    // dispense in the period; a regular client got syringes in every one of ≥ 2 windows):
    // kits ≥ clients + regular clients, and kits hold at least `syringesPerKit` syringes; a
    // client takes at most MAX_KITS_PER_CLIENT_DAY kits a day, so syringes > 0 means clients > 0.
    const days = (Date.parse(r.period_end) - Date.parse(r.period_start)) / 86_400_000 + 1;
    le([
      [v(r, "nsp_clients"), syringesPerKit],
      [v(r, "nsp_regular"), syringesPerKit],
      [v(r, "syringes"), -1],
    ]);
    le([
      [v(r, "nsp_clients"), syringesPerKit],
      [v(r, "syringes"), -1],
    ]);
    le([
      [v(r, "syringes"), 1],
      [v(r, "nsp_clients"), -syringesPerKit * MAX_KITS_PER_CLIENT_DAY * days],
    ]);
    // Visible rates with their public denominators, and visible bands (intervals on a rate).
    const pwid = r.est_pwid;
    const perYear = pwid !== null && r.days_observed > 0 ? (pwid * r.days_observed) / 365 : null;
    if (r.nsp_reach_pct !== null && pwid !== null)
      eq([[v(r, "nsp_clients"), 1]], (r.nsp_reach_pct * pwid) / 100);
    if (r.syringes_per_pwid_year !== null && perYear !== null)
      eq([[v(r, "syringes"), 1]], r.syringes_per_pwid_year * perYear);
    if (r.syringe_band !== null && perYear !== null) {
      // WHO/UNODC/UNAIDS: low < 100, medium 100–200, high > 200 syringes per PWID per year.
      const [lo, hi] =
        r.syringe_band === "low"
          ? [0, 100]
          : r.syringe_band === "medium"
            ? [100, 200]
            : [200, Number.POSITIVE_INFINITY];
      between(v(r, "syringes"), lo * perYear, hi * perYear);
    }
    if (r.naloxone_per_100_prisoners !== null && r.avg_population !== null)
      eq([[v(r, "naloxone_kits"), 1]], (r.naloxone_per_100_prisoners * r.avg_population) / 100);
    if (r.naloxone_per_100_releases !== null && r.releases > 0)
      eq([[v(r, "naloxone_kits"), 1]], (r.naloxone_per_100_releases * r.releases) / 100);
    const opioid = r.est_opioid_dependent;
    if (r.oat_reach_pct !== null && opioid !== null)
      eq([[v(r, "oat_active_end"), 1]], (r.oat_reach_pct * opioid) / 100);
    if (r.oat_band !== null && opioid !== null) {
      // WHO: low < 20 %, moderate 20–39 %, high ≥ 40 %.
      const [lo, hi] =
        r.oat_band === "low"
          ? [0, 20]
          : r.oat_band === "moderate"
            ? [20, 40]
            : [40, Number.POSITIVE_INFINITY];
      between(v(r, "oat_active_end"), (lo * opioid) / 100, (hi * opioid) / 100);
    }
    if (r.regular_pct !== null)
      eq([
        [v(r, "nsp_regular"), 1],
        [v(r, "nsp_clients"), -r.regular_pct / 100],
      ]);
  }

  // Every relation must hold of the true counts (else the audit's model, not the publication, is wrong).
  const truthOf = new Map<string, number | null>();
  for (const r of rows) {
    const t = truth(r);
    for (const c of COUNTS) truthOf.set(v(r, c), t ? t[CAMEL[c]] : null);
  }
  for (const c of cons) {
    if (c.terms.some(([k]) => truthOf.get(k) === null || truthOf.get(k) === undefined)) continue;
    const x = c.terms.reduce((a, [k, coef]) => a + coef * (truthOf.get(k) as number), 0);
    const tol =
      1e-6 *
      Math.max(
        1,
        Math.abs(c.lo === Number.NEGATIVE_INFINITY ? 0 : c.lo),
        Math.abs(c.hi === Number.POSITIVE_INFINITY ? 0 : c.hi),
      );
    if (x < c.lo - tol || x > c.hi + tol)
      failures.push(
        `the audit's relation ${c.lo} ≤ ${c.terms.map(([k, coef]) => `${coef}·${k}`).join(" + ")} ≤ ${c.hi} is ${x} for the true counts`,
      );
  }

  // Variables: one per hidden cell; visible cells enter as constants.
  const names = new Map([...hidden].map((k, i) => [k, `h${i}`]));
  const num = (x: number) => (Number.isFinite(x) ? x.toPrecision(17) : x > 0 ? "inf" : "-inf");
  const rowsLp: string[] = [];
  cons.forEach((c, i) => {
    let constant = 0;
    const terms: string[] = [];
    for (const [k, coef] of c.terms) {
      const name = names.get(k);
      if (name) terms.push(`${coef < 0 ? "-" : "+"} ${num(Math.abs(coef))} ${name}`);
      else constant += coef * (known.get(k) ?? 0);
    }
    const lo = c.lo - constant;
    const hi = c.hi - constant;
    if (terms.length === 0) {
      // Only visible cells: the relation must hold of the published numbers (else the audit's model is wrong).
      if (lo > 1e-6 * Math.max(1, Math.abs(lo)) || hi < -1e-6 * Math.max(1, Math.abs(hi)))
        failures.push(
          `published numbers break a relation: ${c.terms.map(([k, x]) => `${x}·${k}`).join(" + ")}`,
        );
      return;
    }
    // A little slack on rates: they are published as floating-point numbers.
    // (Only finite sides count: an infinite tolerance turned every "≤" into no constraint at all.)
    const tol = 1e-6 * Math.max(1, ...[lo, hi].filter(Number.isFinite).map(Math.abs));
    if (Number.isFinite(lo)) rowsLp.push(` a${i}: ${terms.join(" ")} >= ${num(lo - tol)}`);
    if (Number.isFinite(hi)) rowsLp.push(` b${i}: ${terms.join(" ")} <= ${num(hi + tol)}`);
  });
  const bounds = [...names.values()].map((n) => ` ${n} >= 0`);
  const solve = (name: string, sense: "Minimize" | "Maximize") => {
    const model = [
      sense,
      ` obj: ${name}`,
      "Subject To",
      ...(rowsLp.length ? rowsLp : [` z: ${name} >= 0`]),
      "Bounds",
      ...bounds,
      "End",
    ].join("\n");
    const s = (highs as NonNullable<typeof highs>).solve(model, { output_flag: false } as never);
    if (s.Status === "Optimal") return s.ObjectiveValue;
    if (s.Status === "Unbounded" && sense === "Maximize") return Number.POSITIVE_INFINITY;
    throw new Error(`audit LP for ${name} (${sense}) ended ${s.Status}; ${failures.slice(0, 5).join("; ")}`);
  };

  const intervals: AuditedCell[] = [];
  let small = 0;
  for (const r of rows) {
    const t = truth(r);
    if (!t) {
      failures.push(`${rowKey(r)} has no reference figures`);
      continue;
    }
    for (const c of COUNTS) {
      const k = v(r, c);
      const value = t[CAMEL[c]];
      if (value === null) continue;
      const isSmall =
        c === "syringes" ? t.syringeKits >= 1 && t.syringeKits < threshold : value >= 1 && value < threshold;
      const needs = isSmall ? (c === "syringes" ? threshold * syringesPerKit : threshold) : 0;
      if (isSmall) small++;
      if (!hidden.has(k)) {
        if (isSmall) failures.push(`${k} = ${value} is below the threshold and published`);
        continue;
      }
      const name = names.get(k) as string;
      const min = solve(name, "Minimize");
      const max = solve(name, "Maximize");
      intervals.push({ key: k, value, small: isSmall, min, max, needs });
      if (min > value + 1e-6 || max < value - 1e-6)
        failures.push(`${k}: the audit's model excludes the true value ${value} ([${min}, ${max}])`);
      if (isSmall && (min > 1e-6 || max < needs - 1e-6))
        failures.push(
          `${k} = ${value} narrowed to [${min.toFixed(3)}, ${max.toFixed(3)}], promised ⊇ [0, ${needs}]`,
        );
    }
  }
  return { rows: rows.length, cells: cells.length, hidden: hidden.size, small, intervals, failures };
}
