import { localDateProblem } from "@hrvend/schemas";
import { chars } from "./errors";

/** Either a value or why the field is wrong (never quoting it). */
export type Field<T> = { ok: true; value: T } | { ok: false; problem: string };
const ok = <T>(value: T): Field<T> => ({ ok: true, value });
const bad = <T>(problem: string): Field<T> => ({ ok: false, problem });

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DOTTED_DATE = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/;

/**
 * A calendar day: `YYYY-MM-DD`, or `DD.MM.YYYY` (how spreadsheets in Moldova, Ukraine and most of
 * Europe print a date; unambiguous, unlike `01/02/2026`, which is refused).
 */
export function dateField(s: string): Field<string> {
  if (s === "") return bad("is empty; a date YYYY-MM-DD (or DD.MM.YYYY) is needed");
  let iso: string | undefined;
  if (ISO_DATE.test(s)) iso = s;
  const m = DOTTED_DATE.exec(s);
  if (m) iso = `${m[3]}-${m[2]?.padStart(2, "0")}-${m[1]?.padStart(2, "0")}`;
  if (iso === undefined) return bad(`is not a date YYYY-MM-DD or DD.MM.YYYY (${chars(s)})`);
  const problem = localDateProblem(iso);
  return problem ? bad(`is not a valid date: ${problem.replace(/; received.*$/, "")}`) : ok(iso);
}

/** A whole number from 0 to max (no sign, no decimals, no thousands separators). */
export function countField(s: string, max: number): Field<number> {
  if (s === "") return bad("is empty; a whole number is needed");
  if (/^-\s*\d/.test(s)) return bad("is negative; a count cannot be");
  if (!/^\d+$/.test(s)) return bad(`is not a whole number (${chars(s)})`);
  const n = Number(s);
  if (n > max) return bad(`is more than ${max}`);
  return ok(n);
}

/** A positive amount up to max, with `.` or `,` as the decimal mark. */
export function amountField(s: string, max: number): Field<number> {
  if (!/^\d+([.,]\d+)?$/.test(s)) return bad(`is not a positive number such as 60 or 7.5 (${chars(s)})`);
  const n = Number(s.replace(",", "."));
  if (!(n > 0)) return bad("must be more than 0");
  if (n > max) return bad(`is more than ${max}`);
  return ok(n);
}

/** A local time of day, HH:MM or HH:MM:SS, 24-hour. */
export function timeField(s: string): Field<{ h: number; m: number; s: number }> {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(s);
  if (!m) return bad(`is not a time of day HH:MM (${chars(s)})`);
  const [h, mi, se] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (h > 23 || mi > 59 || se > 59) return bad("is not a time of day (00:00-23:59)");
  return ok({ h, m: mi, s: se });
}

/** One of the given words, case-insensitive; synonyms map to the contract's word. */
export function choiceField<T extends string>(s: string, words: Record<string, T>): Field<T> {
  const w = words[s.trim().toLowerCase()];
  if (w !== undefined) return ok(w);
  const options = [...new Set(Object.values(words))].join(", ");
  return bad(s === "" ? `is empty; one of ${options} is needed` : `is not one of ${options} (${chars(s)})`);
}
