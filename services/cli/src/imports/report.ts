import type { Change } from "./changes";
import { describeRow, type RowProblem } from "./errors";

/** One row's fate, as printed: never its client id or token. */
export interface RowChange {
  line: number;
  prison: string;
  date: string;
  /** OAT: enrol, dose or discharge. */
  event?: string;
  change: Change;
  /** For a changed census: `population: 812 → 815`. */
  fields?: string[];
}

export interface ImportReport {
  kind: "census" | "oat";
  file: string;
  dryRun: boolean;
  rows: number;
  valid: number;
  invalid: number;
  new: number;
  changed: number;
  unchanged: number;
  /** Events published (0 in a dry run or when invalid rows stopped the import). */
  published: number;
  /** Of those, stored by the pipeline's recorder before --wait ran out. */
  recorded: number;
  /** Nothing was applied because of invalid rows (no --skip-invalid). */
  stopped: boolean;
  problems: RowProblem[];
  changes: RowChange[];
}

/** The plain-text report: what happened, then each invalid row, then (dry run) each change. */
export function formatReport(r: ImportReport): string {
  const out: string[] = [];
  const what = r.kind === "census" ? "census" : "OAT register";
  out.push(
    `${what} import of ${r.file}: ${r.rows} row${r.rows === 1 ? "" : "s"}, ${r.valid} valid, ${r.invalid} invalid`,
  );
  for (const p of r.problems) out.push(`  ${describeRow(p)}`);
  out.push(
    `${r.new} new, ${r.changed} changed (supersede what was imported before), ${r.unchanged} unchanged`,
  );
  if (r.dryRun || r.stopped)
    for (const c of r.changes.filter((x) => x.change !== "unchanged"))
      out.push(
        `  line ${c.line}: ${c.change} ${c.prison} ${c.date}${c.event ? ` ${c.event}` : ""}${c.fields?.length ? ` (${c.fields.join(", ")})` : ""}`,
      );
  if (r.stopped)
    out.push(
      `NOTHING APPLIED: ${r.invalid} invalid row${r.invalid === 1 ? "" : "s"}; fix the file, or give --skip-invalid to apply the valid rows`,
    );
  else if (r.dryRun) out.push(`dry run: would publish ${r.new + r.changed} event(s); published nothing`);
  else if (r.published === 0) out.push("nothing to publish: the pipeline already has every row");
  else {
    out.push(`published ${r.published} event(s); the pipeline recorded ${r.recorded}`);
    if (r.recorded < r.published)
      out.push(
        `  ${r.published - r.recorded} not recorded yet (is the pipeline running? npx hrvend services status); they are acknowledged by the broker, but running the import again before they are recorded would publish them again`,
      );
  }
  return out.join("\n");
}
