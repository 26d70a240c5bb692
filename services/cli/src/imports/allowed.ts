import type { RowProblem } from "./errors";

/**
 * Rows of prisons this import may not publish for, as row problems; the rest pass. `allowed`
 * answers for a prison id (--prison, or the broker accounts whose passwords the host holds).
 */
export function withinPrisons<R extends { line: number; prisonId: string }>(
  rows: readonly R[],
  allowed: ((prisonId: string) => boolean) | undefined,
  why: string,
): { rows: R[]; problems: RowProblem[] } {
  if (!allowed) return { rows: [...rows], problems: [] };
  const problems: RowProblem[] = [];
  const kept: R[] = [];
  for (const r of rows)
    if (allowed(r.prisonId)) kept.push(r);
    else
      problems.push({
        line: r.line,
        column: "prison",
        problem: `not a prison this import may publish for (${why})`,
      });
  return { rows: kept, problems };
}
