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

/** One cell: a count of a row (prison or programme) in a table of one period. */
export interface Cell {
  scope: string;
  column: CountColumn;
}
const key = (c: Cell) => `${c.scope}\u0000${c.column}`;

/**
 * The linear relations a reader could solve with the published numbers of one period's table
 * (rows: its prisons and the programme total):
 * - per column, the programme total is the sum of the prisons (for distinct clients it is at
 *   most the sum; treating it as equal is the cautious reading);
 * - per row, clients = new + returning;
 * - syringes = kits × syringes per kit: kits and syringes are hidden together (a pair relation).
 */
export function relationsOf(scopes: readonly string[]): Cell[][] {
  const prisons = scopes.filter((s) => s !== PROGRAMME);
  const out: Cell[][] = [];
  if (scopes.includes(PROGRAMME)) {
    for (const column of COUNT_COLUMNS)
      out.push([...prisons.map((scope) => ({ scope, column })), { scope: PROGRAMME, column }]);
  }
  for (const scope of scopes) {
    out.push([
      { scope, column: "nspNew" },
      { scope, column: "nspReturning" },
      { scope, column: "nspClients" },
    ]);
    out.push([
      { scope, column: "syringeKits" },
      { scope, column: "syringes" },
    ]);
  }
  return out;
}

export interface Suppressed {
  /** Hidden counts, as `scope -> columns`. */
  cells: Map<string, Set<SuppressedColumn>>;
  threshold: number;
}

/**
 * Primary suppression (counts 1 … threshold−1), then complementary: while a relation has exactly
 * one hidden cell, hide its smallest visible cell too (a zero only when nothing else is left).
 * Then rates and bands computed from a hidden count are hidden. Deterministic: ties break by scope.
 */
export function suppressTable(figures: readonly Figure[], threshold = DEFAULT_THRESHOLD): Suppressed {
  if (!Number.isInteger(threshold) || threshold < 1)
    throw new RangeError(`threshold must be ≥ 1: ${threshold}`);
  const value = new Map<string, number | null>();
  for (const f of figures)
    for (const column of COUNT_COLUMNS) value.set(key({ scope: f.scope, column }), f[column]);
  const hidden = new Set<string>();
  for (const [k, v] of value) if (v !== null && v >= 1 && v < threshold) hidden.add(k);

  const relations = relationsOf(figures.map((f) => f.scope)).map((r) =>
    r.filter((c) => value.has(key(c)) && value.get(key(c)) !== null),
  );
  for (let changed = true; changed; ) {
    changed = false;
    for (const r of relations) {
      const inRelation = r.filter((c) => hidden.has(key(c)));
      if (inRelation.length !== 1) continue;
      const candidates = r
        .filter((c) => !hidden.has(key(c)))
        .sort((a, b) => {
          const va = value.get(key(a)) ?? 0;
          const vb = value.get(key(b)) ?? 0;
          // Positive values first (hiding a zero protects less), smallest first.
          if ((va === 0) !== (vb === 0)) return va === 0 ? 1 : -1;
          return va - vb || (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0);
        });
      const pick = candidates[0];
      if (pick) {
        hidden.add(key(pick));
        changed = true;
      }
    }
  }

  const cells = new Map<string, Set<SuppressedColumn>>();
  for (const f of figures) {
    const set = new Set<SuppressedColumn>();
    for (const column of COUNT_COLUMNS) if (hidden.has(key({ scope: f.scope, column }))) set.add(column);
    for (const [derived, from] of Object.entries(DERIVED_FROM) as [DerivedColumn, readonly CountColumn[]][])
      if (from.some((c) => set.has(c))) set.add(derived);
    cells.set(f.scope, set);
  }
  return { cells, threshold };
}

/** A figure as a funder may see it: hidden values are null and named in `suppressed`. */
export type PublishedFigure = {
  [K in keyof Figure]: K extends SuppressedColumn ? Figure[K] | null : Figure[K];
} & {
  suppressed: SuppressedColumn[];
  threshold: number;
};

export function publish(figures: readonly Figure[], threshold = DEFAULT_THRESHOLD): PublishedFigure[] {
  const { cells } = suppressTable(figures, threshold);
  return figures.map((f) => {
    const hidden = cells.get(f.scope) ?? new Set();
    const out: Record<string, unknown> = { ...f };
    for (const c of hidden) out[c] = null;
    return { ...(out as PublishedFigure), suppressed: [...hidden].sort(), threshold };
  });
}
