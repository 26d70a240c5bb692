import { CsvError, parse } from "csv-parse/sync";
import { chars, ImportFileError, type RowProblem } from "./errors";

/** Files beyond this are refused whole: a year of a large prison's OAT register is a few MB. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
/** No field of either file is longer; a longer one is a broken export, not data. */
export const MAX_FIELD_CHARS = 200;

/** One column of a file: its name in the README, and the header spellings accepted for it. */
export interface ColumnSpec {
  name: string;
  aliases: readonly string[];
  required: boolean;
}

export interface CsvRow {
  line: number;
  /** By column name (ColumnSpec.name); an optional column absent from the header reads "". */
  values: Record<string, string>;
}

/** Header text as compared: case, spaces, hyphens and dots do not matter ("Prison ID" = prison_id). */
export const normaliseHeader = (h: string): string =>
  h
    .trim()
    .toLowerCase()
    .replace(/[\s.\-/]+/g, "_")
    .replace(/^_+|_+$/g, "");

/** C0 controls but tab (a quoted field may hold CR or LF: refused too, no field spans lines), DEL. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

/**
 * Reads a CSV export as prison administrations and health units produce it: UTF-8 with or without
 * a byte-order mark, LF or CRLF, `,` or `;` between fields (Excel in most European locales writes
 * `;`), fields optionally quoted, headers in any case. Columns are found by their header; unknown
 * columns are ignored. Returns each data row with its line number, and the rows that cannot be
 * read (wrong number of fields, control characters, oversize fields) as problems.
 */
export function readCsv(
  bytes: Buffer | string,
  columns: readonly ColumnSpec[],
): { rows: CsvRow[]; problems: RowProblem[] } {
  const size = typeof bytes === "string" ? Buffer.byteLength(bytes) : bytes.length;
  if (size > MAX_FILE_BYTES)
    throw new ImportFileError(`the file is ${size} bytes; at most ${MAX_FILE_BYTES} are read`);
  const text = typeof bytes === "string" ? bytes : bytes.toString("utf8");
  if (text.includes("\uFFFD") && typeof bytes !== "string")
    throw new ImportFileError("the file is not UTF-8 text (save the export as CSV UTF-8)");
  const firstLine = text.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  const delimiter = count(firstLine, ";") > count(firstLine, ",") ? ";" : ",";
  let records: { info: { lines: number }; record: string[] }[];
  try {
    records = parse(text, {
      bom: true,
      delimiter,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as { info: { lines: number }; record: string[] }[];
  } catch (e) {
    // csv-parse's messages quote the offending field; name the line and the kind of fault only.
    if (e instanceof CsvError)
      throw new ImportFileError(
        `the file is not valid CSV near line ${(e as unknown as { lines?: number }).lines ?? "?"} (${e.code}: e.g. a quote that is never closed or text after a closing quote)`,
        { line: (e as unknown as { lines?: number }).lines ?? 0 },
      );
    throw e;
  }
  const [header, ...data] = records;
  if (!header) throw new ImportFileError("the file is empty: it needs a header line and rows");
  const names = header.record.map(normaliseHeader);
  const index = new Map<string, number>();
  for (const c of columns) {
    const matches = names.flatMap((n, i) => (n === c.name || c.aliases.includes(n) ? [i] : []));
    if (matches.length > 1)
      throw new ImportFileError(
        `the header names column ${c.name} ${matches.length} times (fields ${matches.map((i) => i + 1).join(", ")}); keep one`,
        { line: header.info.lines, column: c.name },
      );
    const at = matches[0];
    if (at !== undefined) index.set(c.name, at);
    else if (c.required)
      throw new ImportFileError(
        `the header has no column ${c.name}${c.aliases.length ? ` (or ${c.aliases.join(", ")})` : ""}; expected columns: ${columns.map((x) => x.name + (x.required ? "" : " (optional)")).join(", ")}`,
        { line: header.info.lines, column: c.name },
      );
  }
  const rows: CsvRow[] = [];
  const problems: RowProblem[] = [];
  for (const { info, record } of data) {
    const line = info.lines;
    if (record.length !== header.record.length) {
      problems.push({
        line,
        problem: `has ${record.length} field${record.length === 1 ? "" : "s"}; the header has ${header.record.length} (a missing or extra '${delimiter}'?)`,
      });
      continue;
    }
    const values: Record<string, string> = {};
    let bad = false;
    for (const c of columns) {
      const at = index.get(c.name);
      const v = at === undefined ? "" : (record[at] ?? "");
      if (hasControl(v)) {
        problems.push({ line, column: c.name, problem: "contains a control character (NUL, line break…)" });
        bad = true;
      } else if (v.length > MAX_FIELD_CHARS) {
        problems.push({
          line,
          column: c.name,
          problem: `is ${chars(v)} long; at most ${MAX_FIELD_CHARS} are allowed`,
        });
        bad = true;
      }
      values[c.name] = v;
    }
    if (!bad) rows.push({ line, values });
  }
  return { rows, problems };
}

function count(s: string, ch: string): number {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}
