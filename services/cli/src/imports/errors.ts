/**
 * What is wrong with one row of an import file. Never holds a value from the file: an OAT
 * register row carries a client's own id, and a shifted row can put it in any column, so a
 * problem names the line and the column and describes the value (its length), never quotes it.
 */
export interface RowProblem {
  /** 1-based line of the file where the row ends (the header is line 1). */
  line: number;
  /** The column (as the README names it), when one column is at fault. */
  column?: string;
  problem: string;
}

/** The file as a whole cannot be read (no header, a missing column, not CSV, too big). */
export class ImportFileError extends Error {
  override readonly name = "ImportFileError";
  constructor(
    message: string,
    readonly context: { file?: string; line?: number; column?: string } = {},
  ) {
    super(message);
  }
}

/** The file has invalid rows and --skip-invalid was not given: nothing was applied. */
export class InvalidRowsError extends Error {
  override readonly name = "InvalidRowsError";
  constructor(readonly problems: readonly RowProblem[]) {
    super(
      `${problems.length} invalid row${problems.length === 1 ? "" : "s"}; nothing was applied (fix the file, or --skip-invalid to apply the valid rows)`,
    );
  }
}

export const describeRow = (p: RowProblem): string =>
  `line ${p.line}${p.column ? `, column ${p.column}` : ""}: ${p.problem}`;

/** Describes a value without quoting it. */
export const chars = (s: string): string => `${s.length} character${s.length === 1 ? "" : "s"}`;
