import type { Figure } from "./figures";
import { PROGRAMME } from "./figures";

/**
 * Small-cell suppression for funder-facing figures (ARCHITECTURE.md, "Privacy and security":
 * counts 1–4 shown as "<5", threshold configurable, with complementary suppression so totals
 * cannot reveal a hidden cell).
 */

/** Counts of people, or of what people took, that may single someone out. */
export const COUNT_COLUMNS = [
  "nspClients",
  "nspNew",
  "nspReturning",
  "nspRegular",
  "syringeKits",
  "syringes",
  "naloxoneKits",
  "oatActiveEnd",
] as const;
export type CountColumn = (typeof COUNT_COLUMNS)[number];

/** Figures computed from counts: hidden whenever one of their counts is (rate × public denominator = count). */
export const DERIVED_FROM = {
  nspReachPct: ["nspClients"],
  regularPct: ["nspRegular", "nspClients"],
  syringesPerPwidYear: ["syringes"],
  syringeBand: ["syringes"],
  naloxonePer100Prisoners: ["naloxoneKits"],
  naloxonePer100Releases: ["naloxoneKits"],
  oatReachPct: ["oatActiveEnd"],
  oatBand: ["oatActiveEnd"],
} as const satisfies Record<string, readonly CountColumn[]>;
export type DerivedColumn = keyof typeof DERIVED_FROM;
export type SuppressedColumn = CountColumn | DerivedColumn;

export const DEFAULT_THRESHOLD = 5;

/** Counts that add up over time within a prison: a month's are the sum of its days', and so on. */
export const ADDITIVE_OVER_TIME = [
  "syringeKits",
  "syringes",
  "naloxoneKits",
  "nspNew",
] as const satisfies readonly CountColumn[];

/** Which grain's periods add up to which: a week is its days, a month its days, a quarter its months, a year its quarters. */
export const CHILD_GRAIN = { week: "day", month: "day", quarter: "month", year: "quarter" } as const;

type Row = Pick<Figure, "scope" | "grain" | "periodStart" | "periodEnd"> &
  Partial<Record<CountColumn, number | null>>;
const rowKey = (f: Pick<Figure, "grain" | "periodStart" | "scope">) =>
  `${f.grain}|${f.periodStart}|${f.scope}`;
const cellKey = (f: Pick<Figure, "grain" | "periodStart" | "scope">, column: CountColumn) =>
  `${rowKey(f)}|${column}`;

/**
 * The linear relations a reader could solve with the published numbers:
 * - per period table and column, the programme total is the sum of the prisons (for distinct
 *   clients it is at most the sum; treating it as equal is the cautious reading);
 * - per row, clients = new + returning;
 * - per row, syringes = kits × syringes per kit: kits and syringes are hidden together;
 * - over time, per prison (and programme) and additive column: a week or month is the sum of
 *   its days, a quarter of its months, a year of its quarters (days without data are zero);
 * - OAT clients active at the end are equal for all periods that end on the same day.
 */
export interface Relation {
  cells: string[];
  /** Over time: the coarser period's cell (cheaper to hide than one more small period). */
  parent?: string;
}

export function relationsOf(rows: readonly Row[]): Relation[] {
  const out: Relation[] = [];
  const tables = new Map<string, Row[]>();
  for (const r of rows)
    tables.set(`${r.grain}|${r.periodStart}`, [...(tables.get(`${r.grain}|${r.periodStart}`) ?? []), r]);
  for (const t of tables.values()) {
    const total = t.find((r) => r.scope === PROGRAMME);
    if (!total) continue;
    const prisons = t.filter((r) => r.scope !== PROGRAMME);
    for (const c of COUNT_COLUMNS)
      out.push({ cells: [...prisons.map((r) => cellKey(r, c)), cellKey(total, c)] });
  }
  for (const r of rows) {
    out.push({ cells: [cellKey(r, "nspNew"), cellKey(r, "nspReturning"), cellKey(r, "nspClients")] });
    out.push({ cells: [cellKey(r, "syringeKits"), cellKey(r, "syringes")] });
  }
  const byScopeGrain = new Map<string, Row[]>();
  for (const r of rows)
    byScopeGrain.set(`${r.scope}|${r.grain}`, [...(byScopeGrain.get(`${r.scope}|${r.grain}`) ?? []), r]);
  for (const parent of rows) {
    if (parent.grain === "day") continue;
    const children = (byScopeGrain.get(`${parent.scope}|${CHILD_GRAIN[parent.grain]}`) ?? []).filter(
      (c) => c.periodStart >= parent.periodStart && c.periodEnd <= parent.periodEnd,
    );
    for (const c of ADDITIVE_OVER_TIME)
      out.push({
        cells: [...children.map((ch) => cellKey(ch, c)), cellKey(parent, c)],
        parent: cellKey(parent, c),
      });
  }
  // A stock at the period's end is the same number for every period ending that day (a month's
  // OAT clients at its end are its last day's): equal cells are hidden together.
  const byEnd = new Map<string, Row[]>();
  for (const r of rows)
    byEnd.set(`${r.scope}|${r.periodEnd}`, [...(byEnd.get(`${r.scope}|${r.periodEnd}`) ?? []), r]);
  for (const same of byEnd.values())
    for (let i = 1; i < same.length; i++)
      out.push({ cells: [cellKey(same[0] as Row, "oatActiveEnd"), cellKey(same[i] as Row, "oatActiveEnd")] });
  return out;
}

export interface Suppressed {
  /** Hidden columns per row (`grain|periodStart|scope`), derived figures included. */
  cells: Map<string, Set<SuppressedColumn>>;
  /** The counts hidden for being small (primary suppression), per row: shown as "<threshold". */
  small: Map<string, Set<CountColumn>>;
}

/**
 * How much a funder loses when a cell of a grain is hidden: the quarter is the reporting period
 * ("in the last quarter…"), then the year and the month; days and weeks matter least.
 */
const GRAIN_WEIGHT: Record<string, number> = { day: 1, week: 2, month: 3, quarter: 5, year: 4 };

/**
 * What hiding one more cell costs the reader: its value (small first), weighted by its grain,
 * ten times more for the headline NSP client count. A zero is a last resort: a zero the reader
 * can infer (no returning clients in a programme's first period) protects nothing.
 */
function cost(key: string, value: number): number {
  if (value === 0) return Number.MAX_SAFE_INTEGER;
  const grain = key.slice(0, key.indexOf("|"));
  return value * (GRAIN_WEIGHT[grain] ?? 1) * (key.endsWith("|nspClients") ? 10 : 1);
}

/**
 * Primary suppression (counts 1 … threshold−1, the threshold in force for the row's period),
 * then complementary: while a relation has exactly one hidden cell, hide its cheapest visible
 * cell too (see cost), until no relation changes. Then rates and bands computed from a hidden
 * count are hidden. Deterministic: ties break by cell key.
 */
export function suppress(figures: readonly Row[], thresholdOf: (f: Row) => number): Suppressed {
  const value = new Map<string, number | null>();
  const hidden = new Set<string>();
  const primary = new Set<string>();
  for (const f of figures) {
    const threshold = thresholdOf(f);
    if (!Number.isInteger(threshold) || threshold < 1)
      throw new RangeError(`threshold must be ≥ 1: ${threshold}`);
    for (const column of COUNT_COLUMNS) {
      const v = f[column] ?? null;
      const k = cellKey(f, column);
      value.set(k, v);
      if (v !== null && v >= 1 && v < threshold) {
        hidden.add(k);
        primary.add(k);
      }
    }
  }
  const relations = relationsOf(figures).map((r) => ({
    ...r,
    cells: r.cells.filter((k) => value.has(k) && value.get(k) !== null),
  }));
  const byCell = new Map<string, number[]>();
  relations.forEach((r, i) => {
    for (const k of r.cells) byCell.set(k, [...(byCell.get(k) ?? []), i]);
  });
  // Work list: relations to (re)check; a newly hidden cell puts its relations back on it.
  const queue = relations.map((_, i) => i);
  const queued = new Set(queue);
  while (queue.length > 0) {
    const i = queue.shift() as number;
    queued.delete(i);
    const r = relations[i];
    if (!r) continue;
    let count = 0;
    for (const k of r.cells) if (hidden.has(k)) count++;
    if (count !== 1) continue;
    let pick: string | undefined;
    let best = Number.POSITIVE_INFINITY;
    for (const k of r.cells) {
      if (hidden.has(k)) continue;
      const c = cost(k, value.get(k) ?? 0);
      if (c < best || (c === best && pick !== undefined && k < pick)) {
        best = c;
        pick = k;
      }
    }
    if (pick === undefined) continue;
    hidden.add(pick);
    for (const j of byCell.get(pick) ?? [])
      if (!queued.has(j)) {
        queued.add(j);
        queue.push(j);
      }
  }
  const cells = new Map<string, Set<SuppressedColumn>>();
  const small = new Map<string, Set<CountColumn>>();
  for (const f of figures) {
    const set = new Set<SuppressedColumn>();
    const prim = new Set<CountColumn>();
    for (const column of COUNT_COLUMNS) {
      if (hidden.has(cellKey(f, column))) set.add(column);
      if (primary.has(cellKey(f, column))) prim.add(column);
    }
    for (const [derived, from] of Object.entries(DERIVED_FROM) as [DerivedColumn, readonly CountColumn[]][])
      if (from.some((c) => set.has(c))) set.add(derived);
    cells.set(rowKey(f), set);
    small.set(rowKey(f), prim);
  }
  return { cells, small };
}

/** One period's table alone (tests and previews); the service suppresses all its tables together. */
export function suppressTable(figures: readonly Figure[], threshold = DEFAULT_THRESHOLD) {
  const { cells } = suppress(figures, () => threshold);
  return {
    cells: new Map(figures.map((f) => [f.scope, cells.get(rowKey(f)) ?? new Set<SuppressedColumn>()])),
    threshold,
  };
}

/** A figure as a funder may see it: hidden values are null and named in `suppressed`. */
export type PublishedFigure = {
  [K in keyof Figure]: K extends SuppressedColumn ? Figure[K] | null : Figure[K];
} & {
  /** Every hidden column. */
  suppressed: SuppressedColumn[];
  /** The hidden counts that are small (1 … threshold−1); the others are hidden to protect them. */
  small: CountColumn[];
  threshold: number;
};

export function publishedRow(
  f: Figure,
  hidden: ReadonlySet<SuppressedColumn>,
  small: ReadonlySet<CountColumn>,
  threshold: number,
): PublishedFigure {
  const out: Record<string, unknown> = { ...f };
  for (const c of hidden) out[c] = null;
  return { ...(out as PublishedFigure), suppressed: [...hidden].sort(), small: [...small].sort(), threshold };
}

export function publish(figures: readonly Figure[], threshold = DEFAULT_THRESHOLD): PublishedFigure[] {
  const { cells, small } = suppress(figures, () => threshold);
  return figures.map((f) =>
    publishedRow(f, cells.get(rowKey(f)) ?? new Set(), small.get(rowKey(f)) ?? new Set(), threshold),
  );
}

export { rowKey as figureKey };
