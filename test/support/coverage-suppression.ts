/**
 * An auditor for published (suppressed) coverage tables, written apart from the service's
 * suppression code: it states what a reader could solve from one period's published table and
 * finds every hidden cell whose value follows exactly from the visible ones (linear algebra: a
 * hidden cell is recoverable iff its unit vector lies in the row space of the equations).
 */
export type Row = Record<string, unknown> & { scope: string };

const COUNTS = [
  "nsp_clients",
  "nsp_new",
  "nsp_returning",
  "nsp_regular",
  "syringe_kits",
  "syringes",
  "naloxone_kits",
  "oat_active_end",
];
/** Visible rate → the count it reveals when its denominator is public. */
const RATES: Record<string, string> = {
  nsp_reach_pct: "nsp_clients",
  syringes_per_pwid_year: "syringes",
  naloxone_per_100_prisoners: "naloxone_kits",
  oat_reach_pct: "oat_active_end",
};

export function visibleSmallCells(rows: readonly Row[], threshold: number): string[] {
  const out: string[] = [];
  for (const r of rows)
    for (const c of COUNTS) {
      const v = r[c];
      if (typeof v === "number" && v >= 1 && v < threshold) out.push(`${r.scope}.${c}=${v}`);
    }
  return out;
}

/** Hidden cells a reader can compute from the table's published numbers. */
export function recoverableCells(rows: readonly Row[], syringesPerKit: number): string[] {
  const hidden: string[] = [];
  const index = new Map<string, number>();
  for (const r of rows)
    for (const c of COUNTS)
      if (r[c] === null) {
        index.set(`${r.scope}.${c}`, hidden.length);
        hidden.push(`${r.scope}.${c}`);
      }
  const n = hidden.length;
  if (n === 0) return [];
  const equations: number[][] = [];
  // Σ coef·cell = 0; only the hidden cells' coefficients matter for recoverability.
  const eq = (terms: [string, string, number][]) => {
    const row = new Array<number>(n).fill(0);
    let any = false;
    for (const [scope, c, k] of terms) {
      const i = index.get(`${scope}.${c}`);
      if (i !== undefined) {
        row[i] = (row[i] ?? 0) + k;
        any = true;
      }
    }
    if (any) equations.push(row);
  };
  const prisons = rows.filter((r) => r.scope !== "*").map((r) => r.scope);
  if (rows.some((r) => r.scope === "*"))
    for (const c of COUNTS) eq([...prisons.map((p) => [p, c, 1] as [string, string, number]), ["*", c, -1]]);
  for (const r of rows) {
    eq([
      [r.scope, "nsp_new", 1],
      [r.scope, "nsp_returning", 1],
      [r.scope, "nsp_clients", -1],
    ]);
    eq([
      [r.scope, "syringe_kits", syringesPerKit],
      [r.scope, "syringes", -1],
    ]);
    // regular % × clients = regular (linear in whichever of the two is hidden).
    if (typeof r["regular_pct"] === "number")
      eq([
        [r.scope, "nsp_regular", 1],
        [r.scope, "nsp_clients", -(r["regular_pct"] as number) / 100],
      ]);
    // A visible rate with a public denominator is its count.
    for (const [rate, count] of Object.entries(RATES))
      if (typeof r[rate] === "number") eq([[r.scope, count, 1]]);
  }
  // Row-reduce; then each unit vector reduces to zero iff the cell is determined.
  const m = equations.map((e) => [...e]);
  const pivots: number[] = [];
  let row = 0;
  for (let col = 0; col < n && row < m.length; col++) {
    let best = row;
    for (let i = row + 1; i < m.length; i++) if (Math.abs(m[i]![col]!) > Math.abs(m[best]![col]!)) best = i;
    if (Math.abs(m[best]![col]!) < 1e-9) continue;
    [m[row], m[best]] = [m[best]!, m[row]!];
    const pr = m[row]!;
    const pv = pr[col]!;
    for (let j = 0; j < n; j++) pr[j] = pr[j]! / pv;
    for (let i = 0; i < m.length; i++) {
      if (i === row) continue;
      const f = m[i]![col]!;
      if (Math.abs(f) < 1e-12) continue;
      for (let j = 0; j < n; j++) m[i]![j] = m[i]![j]! - f * pr[j]!;
    }
    pivots.push(col);
    row++;
  }
  return hidden.filter((_, i) => {
    const v = new Array<number>(n).fill(0);
    v[i] = 1;
    pivots.forEach((col, r) => {
      const f = v[col]!;
      if (Math.abs(f) > 1e-12) for (let j = 0; j < n; j++) v[j] = v[j]! - f * m[r]![j]!;
    });
    return v.every((x) => Math.abs(x) < 1e-9);
  });
}

/**
 * Every hidden cell a reader can peel off the whole publication, all periods together: any
 * relation (see below) with one unknown left is solved, and what it yields is used again,
 * until nothing changes. Relations: per period table, prisons sum to the programme total; per
 * row, clients = new + returning and syringes = kits × syringes per kit; over time, per scope,
 * the additive counts of a week or month are the sum of its days', a quarter's of its months',
 * a year's of its quarters'; OAT clients at the end are equal for periods ending the same day;
 * a visible rate reveals its count.
 */
export function recoverableByPeeling(
  rows: readonly (Row & { grain: string; period_start: string; period_end: string })[],
  syringesPerKit: number,
): string[] {
  const key = (r: { grain: string; period_start: string; scope: string }, c: string) =>
    `${r.grain}|${r.period_start}|${r.scope}|${c}`;
  const known = new Map<string, number>();
  const unknown = new Set<string>();
  for (const r of rows)
    for (const c of COUNTS) {
      const v = r[c];
      if (typeof v === "number") known.set(key(r, c), v);
      else if (v === null) unknown.add(key(r, c));
    }
  const relations: [string, number][][] = [];
  const tables = new Map<string, typeof rows>();
  for (const r of rows)
    tables.set(`${r.grain}|${r.period_start}`, [...(tables.get(`${r.grain}|${r.period_start}`) ?? []), r]);
  for (const t of tables.values()) {
    const total = t.find((r) => r.scope === "*");
    if (total)
      for (const c of COUNTS)
        relations.push([
          ...t.filter((r) => r.scope !== "*").map((r) => [key(r, c), 1] as [string, number]),
          [key(total, c), -1],
        ]);
  }
  const child: Record<string, string> = { week: "day", month: "day", quarter: "month", year: "quarter" };
  for (const r of rows) {
    relations.push([
      [key(r, "nsp_new"), 1],
      [key(r, "nsp_returning"), 1],
      [key(r, "nsp_clients"), -1],
    ]);
    relations.push([
      [key(r, "syringe_kits"), syringesPerKit],
      [key(r, "syringes"), -1],
    ]);
    for (const [rate, count] of Object.entries(RATES))
      if (typeof r[rate] === "number") relations.push([[key(r, count), 1]]);
    const g = child[r.grain];
    if (g) {
      const kids = rows.filter(
        (k) =>
          k.scope === r.scope &&
          k.grain === g &&
          k.period_start >= r.period_start &&
          k.period_end <= r.period_end,
      );
      for (const c of ["syringe_kits", "syringes", "naloxone_kits", "nsp_new"])
        relations.push([...kids.map((k) => [key(k, c), 1] as [string, number]), [key(r, c), -1]]);
    }
  }
  // OAT clients active at the end: equal for periods ending the same day.
  const byEnd = new Map<string, (typeof rows)[number][]>();
  for (const r of rows)
    byEnd.set(`${r.scope}|${r.period_end}`, [...(byEnd.get(`${r.scope}|${r.period_end}`) ?? []), r]);
  for (const same of byEnd.values())
    for (let i = 1; i < same.length; i++)
      relations.push([
        [key(same[0] as Row & { grain: string; period_start: string }, "oat_active_end"), 1],
        [key(same[i] as Row & { grain: string; period_start: string }, "oat_active_end"), -1],
      ]);
  const recovered: string[] = [];
  for (let changed = true; changed; ) {
    changed = false;
    for (const rel of relations) {
      const open = rel.filter(([k]) => unknown.has(k) && !known.has(k));
      if (open.length !== 1) continue;
      const [[k, coef]] = open as [[string, number]];
      // A single-cell relation (a visible rate) reveals the cell without a value: count it.
      const rest = rel.filter(([x]) => x !== k).reduce((a, [x, c]) => a + c * (known.get(x) ?? 0), 0);
      known.set(k, -rest / coef);
      recovered.push(k);
      changed = true;
    }
  }
  return recovered;
}
