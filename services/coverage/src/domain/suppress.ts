import type { Figure } from "./figures";
import { PROGRAMME } from "./figures";
import type { Grain } from "./periods";

/**
 * Statistical disclosure control of what funders read (docs/architecture.md §Privacy and security;
 * README "Disclosure control"): optimal complementary cell suppression, the method of τ-ARGUS
 * ("Optimal") and sdcTable ("OPT"), after Fischetti & Salazar-González (2000), "Models and
 * algorithms for optimizing cell suppression in tabular data with linear constraints", JASA 95.
 *
 * - Primary cells: counts 1 … threshold−1 (syringes: from 1 … threshold−1 kits).
 * - Protection required of each primary cell p: against everything the funder can read (the
 *   published cells and the linear relations between them, values ≥ 0), the smallest value p
 *   can take is 0 and the largest at least the threshold (threshold kits' syringes): a reader
 *   cannot tell it from "nobody" nor from "threshold or more".
 * - Complementary cells are chosen by a mixed-integer program (HiGHS) minimising the value
 *   hidden; each candidate pattern is audited with the attacker's two linear programs per
 *   primary cell, and each under-protected cell adds the Benders cut built from that LP's dual
 *   (Fischetti–Salazar), until the audit passes. The solver is passed in (`LpSolver`), so this
 *   module stays pure and testable.
 */

/** What funders get: quarters (the reporting period) and years, per prison and programme total. */
export const FUNDER_GRAINS = ["quarter", "year"] as const satisfies readonly Grain[];
export type FunderGrain = (typeof FUNDER_GRAINS)[number];
export const isFunderGrain = (g: string): g is FunderGrain =>
  (FUNDER_GRAINS as readonly string[]).includes(g);

/** The published counts: people (clients, regular clients, OAT clients) and what they took. */
export const COUNT_COLUMNS = [
  "nspClients",
  "nspRegular",
  "syringes",
  "naloxoneKits",
  "oatActiveEnd",
] as const;
export type CountColumn = (typeof COUNT_COLUMNS)[number];

/** Counts kept internal (coverage.figure) and never published: they would add relations funders do not need. */
export const UNPUBLISHED_COLUMNS = ["nspNew", "nspReturning", "syringeKits"] as const;

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
/**
 * The most syringe kits one client is assumed able to take in a day (README, "Disclosure
 * control"): generous (the pilot's quota, like Trac-B's, is 2 kits a week). Any finite bound
 * lets a reader conclude clients > 0 from syringes > 0; the model uses the same bound.
 */
export const MAX_KITS_PER_CLIENT_DAY = 10;
/** The one symbol for every hidden value (report, CSV, JSON, dashboards, summary): ONS's "confidential". */
export const HIDDEN = "[c]";
/** A rate whose denominator is zero or unknown (e.g. 0 of 0 clients regular): undefined, not hidden. */
export const UNDEFINED = "–";

/** The narrowest solver interface used: a CPLEX-LP-format model in, HiGHS's legacy solution out. */
export interface LpSolution {
  Status: string;
  ObjectiveValue: number;
  Columns: Record<string, { Primal?: number; Dual?: number }>;
}
export interface LpSolver {
  solve(model: string, options?: Record<string, unknown>): LpSolution;
}

export class SuppressionError extends Error {
  constructor(
    message: string,
    readonly context: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SuppressionError";
  }
}

type Row = Pick<Figure, "scope" | "grain" | "periodStart" | "periodEnd"> &
  Partial<Record<CountColumn | "syringeKits", number | null>>;
const rowKey = (f: Pick<Figure, "grain" | "periodStart" | "scope">) =>
  `${f.grain}|${f.periodStart}|${f.scope}`;

interface Cell {
  key: string;
  row: string;
  column: CountColumn;
  value: number;
  primary: boolean;
  /** Largest value the protection requires to stay possible (primary cells). */
  upperTarget: number;
  /** External bounds assumed by the model: 0 … value + slack (a reader knows less, see below). */
  slack: number;
  cost: number;
}

/** A linear relation a reader knows: Σ coef·cell (=|≤) 0. */
interface Relation {
  terms: [number, number][];
  sense: "=" | "<=";
}

/**
 * The relations between published cells of one calendar year (quarters and the year, prisons and
 * the programme), all true of the exact counts:
 * - syringes and naloxone kits add up: the programme is the sum of its prisons, a year the sum
 *   of its quarters (a missing row is zero);
 * - distinct people do not add up but are bounded: a prison's clients ≤ the programme's ≤ the
 *   prisons' sum (a card used in two prisons counts once), a quarter's ≤ the year's ≤ the
 *   quarters' sum; the same for OAT clients across prisons;
 * - OAT clients at the end are the same number for a year and its last quarter;
 * - regular clients ≤ clients;
 * - people bound what they took and the reverse: u·(clients + regular) ≤ syringes ≤
 *   u·MAX_KITS_PER_CLIENT_DAY·days·clients (u syringes per kit), so a small hidden count of
 *   clients needs its syringes hidden too.
 */
function relationsOf(rows: readonly Row[], index: Map<string, number>): Relation[] {
  const out: Relation[] = [];
  const cell = (r: Row, c: CountColumn) => index.get(`${rowKey(r)}|${c}`);
  const add = (terms: [number | undefined, number][], sense: Relation["sense"]) => {
    const t = terms.filter((x): x is [number, number] => x[0] !== undefined);
    if (t.length >= 2) out.push({ terms: t, sense });
  };
  const group = <K>(key: (r: Row) => K) => {
    const m = new Map<K, Row[]>();
    for (const r of rows) {
      const list = m.get(key(r));
      if (list) list.push(r);
      else m.set(key(r), [r]);
    }
    return m;
  };
  for (const t of group((r) => `${r.grain}|${r.periodStart}`).values()) {
    const total = t.find((r) => r.scope === PROGRAMME);
    if (!total) continue;
    const prisons = t.filter((r) => r.scope !== PROGRAMME);
    for (const c of ["syringes", "naloxoneKits"] as const)
      add(
        [...prisons.map((p) => [cell(p, c), 1] as [number | undefined, number]), [cell(total, c), -1]],
        "=",
      );
    for (const c of ["nspClients", "oatActiveEnd"] as const) {
      add(
        [[cell(total, c), 1], ...prisons.map((p) => [cell(p, c), -1] as [number | undefined, number])],
        "<=",
      );
      for (const p of prisons)
        add(
          [
            [cell(p, c), 1],
            [cell(total, c), -1],
          ],
          "<=",
        );
    }
  }
  for (const same of group((r) => r.scope).values()) {
    for (const year of same.filter((r) => r.grain === "year")) {
      const quarters = same.filter(
        (q) => q.grain === "quarter" && q.periodStart >= year.periodStart && q.periodEnd <= year.periodEnd,
      );
      for (const c of ["syringes", "naloxoneKits"] as const)
        add(
          [...quarters.map((q) => [cell(q, c), 1] as [number | undefined, number]), [cell(year, c), -1]],
          "=",
        );
      add(
        [
          [cell(year, "nspClients"), 1],
          ...quarters.map((q) => [cell(q, "nspClients"), -1] as [number | undefined, number]),
        ],
        "<=",
      );
      for (const q of quarters) {
        add(
          [
            [cell(q, "nspClients"), 1],
            [cell(year, "nspClients"), -1],
          ],
          "<=",
        );
        if (q.periodEnd === year.periodEnd)
          add(
            [
              [cell(q, "oatActiveEnd"), 1],
              [cell(year, "oatActiveEnd"), -1],
            ],
            "=",
          );
      }
    }
  }
  // People and what they took (docs/domain.md: an NSP client is a card with ≥ 1 syringe-kit dispense;
  // a regular client got syringes in each of ≥ 2 windows, so ≥ 2 kits): kits ≥ clients + regular
  // clients, and a client takes at most MAX_KITS_PER_CLIENT_DAY kits a day. With u the row's
  // syringes per kit (its kits' average: at least the smallest kit a reader knows, at most the
  // largest), u·(clients + regular) ≤ syringes ≤ u·MAX_KITS_PER_CLIENT_DAY·days·clients, both
  // at least as tight as what a reader can write from the public kit sizes, and true of the
  // exact counts. Without them a hidden small count of clients beside visible syringes
  // (syringes > 0 ⇒ clients > 0) looked protected (issue #15, red team).
  const units = rows.flatMap((r) =>
    (r.syringeKits ?? 0) > 0 ? [(r.syringes ?? 0) / (r.syringeKits ?? 1)] : [],
  );
  const anyUnit = Math.max(1, ...units);
  for (const r of rows) {
    add(
      [
        [cell(r, "nspRegular"), 1],
        [cell(r, "nspClients"), -1],
      ],
      "<=",
    );
    const kits = r.syringeKits ?? 0;
    const u = kits > 0 ? (r.syringes ?? 0) / kits : anyUnit;
    if (!(u > 0)) continue;
    const days = (Date.parse(r.periodEnd) - Date.parse(r.periodStart)) / 86_400_000 + 1;
    // Only relations the exact counts satisfy (they do by definition; figures that did not would
    // make every attacker LP infeasible and stop the publication).
    const [c, g, y] = [r.nspClients ?? 0, r.nspRegular ?? 0, r.syringes ?? 0];
    if (u * (c + g) > y + 1e-9 || y > u * MAX_KITS_PER_CLIENT_DAY * days * c + 1e-9) continue;
    add(
      [
        [cell(r, "nspClients"), u],
        [cell(r, "nspRegular"), u],
        [cell(r, "syringes"), -1],
      ],
      "<=",
    );
    add(
      [
        [cell(r, "syringes"), 1],
        [cell(r, "nspClients"), -u * MAX_KITS_PER_CLIENT_DAY * days],
      ],
      "<=",
    );
  }
  return out;
}

/**
 * What hiding a cell costs funders: its value (information lost, as τ-ARGUS's default cost) plus
 * one, the programme's row three times (its total is the headline), NSP clients twice.
 */
function costOf(scope: string, column: CountColumn, value: number): number {
  return (value + 1) * (scope === PROGRAMME ? 3 : 1) * (column === "nspClients" ? 2 : 1);
}

function cellsOf(rows: readonly Row[], thresholdOf: (r: Row) => number): Cell[] {
  const cells: Cell[] = [];
  for (const r of rows) {
    const t = thresholdOf(r);
    if (!Number.isInteger(t) || t < 1) throw new RangeError(`threshold must be ≥ 1: ${t}`);
    for (const column of COUNT_COLUMNS) {
      const v = r[column];
      if (v === null || v === undefined) continue;
      let primary = v >= 1 && v < t;
      let unit = 1;
      if (column === "syringes") {
        // Syringes come in kits: a cell is small when few kits are behind it.
        const kits = r.syringeKits ?? 0;
        unit = kits > 0 ? v / kits : 1;
        primary = kits > 0 ? kits < t : v >= 1 && v < t;
      }
      cells.push({
        key: `${rowKey(r)}|${column}`,
        row: rowKey(r),
        column,
        value: v,
        primary,
        upperTarget: t * unit,
        // The model lets a hidden cell range over [0, value + max(value, threshold)]: tighter than a
        // reader's [0, ∞), so a pattern protected in the model is protected against the reader.
        // Syringes may need room for t clients of whom t are regular (≥ 2 kits each).
        slack: Math.max(v, (column === "syringes" ? 2 : 1) * t * unit),
        cost: costOf(r.scope, column, v),
      });
    }
  }
  return cells;
}

const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(15));

/** The attacker's LP for one primary cell: its largest (sign 1) or smallest (sign −1) feasible value. */
function attackerModel(
  cells: readonly Cell[],
  relations: readonly Relation[],
  hidden: readonly boolean[],
  p: number,
  sign: 1 | -1,
) {
  const lines = ["Maximize", ` obj: ${sign === 1 ? "" : "- "}y${p}`, "Subject To"];
  relations.forEach((r, i) => {
    const lhs = r.terms.map(([c, k]) => `${k < 0 ? "-" : "+"} ${fmt(Math.abs(k))} y${c}`).join(" ");
    lines.push(` r${i}: ${lhs} ${r.sense === "=" ? "=" : "<="} 0`);
  });
  lines.push("Bounds");
  cells.forEach((c, i) => {
    if (hidden[i]) lines.push(` 0 <= y${i} <= ${fmt(c.value + c.slack)}`);
    else lines.push(` y${i} = ${fmt(c.value)}`);
  });
  lines.push("End");
  return lines.join("\n");
}

export interface ProtectionStats {
  cells: number;
  primary: number;
  hidden: number;
  rounds: number;
  lps: number;
}

/**
 * The suppression pattern of one independent group of cells (one calendar year): a minimum-cost
 * set of hidden cells, containing every primary cell, under which each primary cell's feasible
 * interval contains 0 and its upper target.
 */
function protectGroup(
  solver: LpSolver,
  cells: readonly Cell[],
  relations: readonly Relation[],
  stats: ProtectionStats,
): boolean[] {
  const primaries = cells.flatMap((c, i) => (c.primary ? [i] : []));
  const hidden = cells.map((c) => c.primary);
  if (primaries.length === 0) return hidden;
  const cuts: string[] = [];
  const TOL = 1e-6;
  for (let round = 1; round <= 500; round++) {
    stats.rounds++;
    const violated: string[] = [];
    for (const p of primaries)
      for (const sign of [1, -1] as const) {
        const cell = cells[p] as Cell;
        // Max direction: max y_p ≥ upperTarget; min direction: max(−y_p) ≥ 0.
        const target = sign === 1 ? cell.upperTarget : 0;
        const s = solver.solve(attackerModel(cells, relations, hidden, p, sign));
        stats.lps++;
        if (s.Status !== "Optimal")
          throw new SuppressionError(`attacker LP ended ${s.Status}`, { cell: cell.key, sign });
        if (s.ObjectiveValue >= target - TOL) continue;
        // Fischetti–Salazar cut: the LP value is concave in the bounds, so with the duals d_i
        // (∂value/∂bound), value(x) ≤ value* + Σ coef_i (x_i − x*_i), where opening cell i's
        // bounds moves its upper bound by slack_i and its lower bound by value_i. A protected
        // pattern needs that right-hand side ≥ target.
        let rhs = target - s.ObjectiveValue;
        const terms: string[] = [];
        cells.forEach((c, i) => {
          const d = s.Columns[`y${i}`]?.Dual ?? 0;
          const coef = Math.max(d, 0) * c.slack + Math.max(-d, 0) * c.value;
          if (coef <= 1e-9) return;
          if (hidden[i]) rhs += coef;
          terms.push(`+ ${fmt(coef)} x${i}`);
        });
        if (terms.length === 0)
          throw new SuppressionError("a small count cannot be protected", { cell: cell.key, sign });
        violated.push(` c${cuts.length + violated.length}: ${terms.join(" ")} >= ${fmt(rhs)}`);
      }
    if (violated.length === 0) {
      stats.hidden += hidden.filter(Boolean).length;
      return hidden;
    }
    cuts.push(...violated);
    const master = [
      "Minimize",
      ` obj: ${cells.map((c, i) => `+ ${fmt(c.cost)} x${i}`).join(" ")}`,
      "Subject To",
      ...cuts,
      "Bounds",
      ...cells.map((c, i) => (c.primary ? ` x${i} = 1` : ` 0 <= x${i} <= 1`)),
      "Binary",
      ` ${cells.map((_, i) => `x${i}`).join(" ")}`,
      "End",
    ].join("\n");
    const m = solver.solve(master);
    stats.lps++;
    if (m.Status !== "Optimal") throw new SuppressionError(`suppression MIP ended ${m.Status}`, { round });
    cells.forEach((_, i) => {
      hidden[i] = (m.Columns[`x${i}`]?.Primal ?? 0) > 0.5;
    });
  }
  throw new SuppressionError("suppression did not converge in 500 rounds", { cells: cells.length });
}

/** Connected components of the cells under the relations (union–find), each a sorted list of cell indices. */
function components(n: number, relations: readonly Relation[]): number[][] {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i] as number] as number;
      i = parent[i] as number;
    }
    return i;
  };
  for (const r of relations) {
    const [first] = r.terms[0] as [number, number];
    for (const [c] of r.terms) parent[find(c)] = find(first);
  }
  const out = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const root = find(i);
    const part = out.get(root);
    if (part) part.push(i);
    else out.set(root, [i]);
  }
  return [...out.values()];
}

export interface Suppressed {
  /** Hidden columns per row (`grain|periodStart|scope`), derived figures included. */
  cells: Map<string, Set<SuppressedColumn>>;
  stats: ProtectionStats;
}

/**
 * The patterns of years whose input did not change since they were computed: `input` is the
 * year's whole input (its rows and their thresholds), so a pattern is reused only for an
 * identical problem, whose solution is the same (the computation is deterministic).
 */
export interface SuppressionMemo {
  get(year: string, input: string): readonly string[] | undefined;
  set(year: string, input: string, hiddenKeys: readonly string[]): void;
}

/**
 * Suppresses the funder publication: the quarter and year rows of `figures` (other grains are
 * ignored), one calendar year at a time (no relation crosses a year). Deterministic for equal
 * input (rows sorted; HiGHS is deterministic). With a memo, a year whose input is unchanged is
 * not solved again (its cells are then not counted in `stats`).
 */
export function suppress(
  solver: LpSolver,
  figures: readonly Row[],
  thresholdOf: (f: Row) => number,
  memo?: SuppressionMemo,
): Suppressed {
  const rows = figures
    .filter((f) => isFunderGrain(f.grain))
    .slice()
    .sort((a, b) => (rowKey(a) < rowKey(b) ? -1 : rowKey(a) > rowKey(b) ? 1 : 0));
  const byYear = new Map<string, Row[]>();
  for (const r of rows) {
    const year = r.periodStart.slice(0, 4);
    const list = byYear.get(year);
    if (list) list.push(r);
    else byYear.set(year, [r]);
  }
  const stats: ProtectionStats = { cells: 0, primary: 0, hidden: 0, rounds: 0, lps: 0 };
  const hiddenKeys = new Set<string>();
  for (const [year, group] of byYear) {
    const input = memo ? JSON.stringify(group.map((r) => [r, thresholdOf(r)])) : "";
    const known = memo?.get(year, input);
    if (known !== undefined) {
      for (const k of known) hiddenKeys.add(k);
      continue;
    }
    const yearHidden: string[] = [];
    const cells = cellsOf(group, thresholdOf);
    const index = new Map(cells.map((c, i) => [c.key, i]));
    stats.cells += cells.length;
    stats.primary += cells.filter((c) => c.primary).length;
    const relations = relationsOf(group, index);
    // Cells no relation links are independent: each connected component (in practice one per
    // column family: clients with regular clients, syringes, naloxone, OAT) is protected on its
    // own, with models a fraction of the size.
    for (const part of components(cells.length, relations)) {
      const local = new Map(part.map((g, l) => [g, l]));
      const partCells = part.map((g) => cells[g] as Cell);
      if (!partCells.some((c) => c.primary)) continue;
      const partRelations = relations
        .filter((r) => local.has((r.terms[0] as [number, number])[0]))
        .map((r) => ({
          ...r,
          terms: r.terms.map(([g, k]) => [local.get(g) as number, k] as [number, number]),
        }));
      const hidden = protectGroup(solver, partCells, partRelations, stats);
      partCells.forEach((c, i) => {
        if (hidden[i]) yearHidden.push(c.key);
      });
    }
    for (const k of yearHidden) hiddenKeys.add(k);
    memo?.set(year, input, yearHidden);
  }
  const cells = new Map<string, Set<SuppressedColumn>>();
  for (const f of rows) {
    const set = new Set<SuppressedColumn>();
    for (const column of COUNT_COLUMNS) if (hiddenKeys.has(`${rowKey(f)}|${column}`)) set.add(column);
    for (const [derived, from] of Object.entries(DERIVED_FROM) as [DerivedColumn, readonly CountColumn[]][])
      if (from.some((c) => set.has(c))) set.add(derived);
    cells.set(rowKey(f), set);
  }
  return { cells, stats };
}

/** A figure as a funder may see it: hidden values are null and named in `suppressed`; unpublished counts are null. */
export type PublishedFigure = {
  [K in keyof Figure]: K extends SuppressedColumn | (typeof UNPUBLISHED_COLUMNS)[number]
    ? Figure[K] | null
    : Figure[K];
} & {
  /** Every hidden column (the one symbol, HIDDEN, stands for each). */
  suppressed: SuppressedColumn[];
  threshold: number;
};

export function publishedRow(
  f: Figure,
  hidden: ReadonlySet<SuppressedColumn>,
  threshold: number,
): PublishedFigure {
  const out: Record<string, unknown> = { ...f };
  for (const c of hidden) out[c] = null;
  for (const c of UNPUBLISHED_COLUMNS) out[c] = null;
  return { ...(out as PublishedFigure), suppressed: [...hidden].sort(), threshold };
}

/** The funder publication of a set of figures (tests, previews); the service publishes every figure together. */
export function publish(
  solver: LpSolver,
  figures: readonly Figure[],
  threshold = DEFAULT_THRESHOLD,
): PublishedFigure[] {
  const { cells } = suppress(solver, figures, () => threshold);
  return figures
    .filter((f) => isFunderGrain(f.grain))
    .map((f) => publishedRow(f, cells.get(rowKey(f)) ?? new Set(), threshold));
}

export { rowKey as figureKey };
