import type { FieldProblem } from "./errors";

/**
 * Checks on the JSON text itself that a decoded value can no longer show, because every consumer
 * stores the text (the recorder's jsonb column) and the decoded value (the other services) and
 * both must say the same thing:
 *
 * - a string may not hold NUL (`\u0000`) or an unpaired surrogate escape (`\ud800`): PostgreSQL's
 *   text and jsonb refuse both, so one such event would stall every consumer that stores it;
 * - a number must read back exactly as written: `123325313.0000000001` decodes to 123325313 and
 *   `1e-20000` to 0 (which jsonb refuses as numeric overflow), so the stored text and the
 *   decoded value would disagree;
 * - a field may appear only once per object: the decoder keeps the last copy, so an earlier one
 *   would be stored in the stream without ever being validated.
 *
 * Node 20's JSON.parse gives a reviver no source text, so this is one linear scan of text that
 * JSON.parse has already accepted (its syntax is known to be valid). Paths name contract fields
 * only: a key the contract does not know is payload bytes and is shown as `(unknown field)`.
 */
export function jsonTextProblems(
  text: string,
  isContractField: (key: string) => boolean,
  parsed?: unknown,
): FieldProblem[] {
  if (parsed !== undefined && passesQuickly(text, parsed)) return [];
  return scan(text, isContractField);
}

/**
 * The hot path (the gateway checks every event): true when the text surely has none of the
 * problems, without tracking paths. No `\u` escape (JSON.stringify writes none for ordinary
 * text), every long or non-integer number exact, and as many keys in the text as in the decoded
 * value (a duplicate makes the decoded value smaller). Anything else goes to the full scan.
 */
function passesQuickly(text: string, parsed: unknown): boolean {
  const n = text.length;
  let keys = 0;
  let i = 0;
  let backslash = text.indexOf("\\");
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let end = text.indexOf('"', i + 1);
      if (backslash !== -1 && backslash <= i) backslash = text.indexOf("\\", i + 1);
      if (backslash !== -1 && backslash < end) {
        for (i = backslash; ; ) {
          const d = text.charCodeAt(i);
          if (d === 0x22) break;
          if (d === 0x5c) {
            if (text.charCodeAt(i + 1) === 0x75 /* u */) return false;
            i += 2;
          } else i++;
        }
        end = i;
      }
      i = end + 1;
      let j = i;
      while (j < n && isSpace(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) === 0x3a /* : */) keys++;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      let digits = c === 0x2d ? 0 : 1;
      let exponent = false;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d >= 0x30 && d <= 0x39) digits++;
        else if (d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) exponent = true;
        else if (d !== 0x2e) break;
      }
      // A decimal of at most 15 digits (DBL_DIG) reads back exactly: 7.3, 52.25, 123456789012345.
      if ((exponent || digits > 15) && !readsBackExactly(text.slice(start, i))) return false;
    } else i++;
  }
  return keys === countKeys(parsed) && !hasEnumerableInherited();
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Keys of the decoded value's objects; `for…in` counts own keys only while hasEnumerableInherited() is false. */
function countKeys(v: unknown): number {
  if (typeof v !== "object" || v === null) return 0;
  let n = 0;
  if (Array.isArray(v)) for (let i = 0; i < v.length; i++) n += countKeys(v[i]);
  else
    for (const key in v) {
      n++;
      const item = (v as Record<string, unknown>)[key];
      if (typeof item === "object" && item !== null) n += countKeys(item);
    }
  return n;
}

/** Whether Object.prototype has an enumerable key (a polluted prototype), which `for…in` would count. */
function hasEnumerableInherited(): boolean {
  for (const _ in Object.prototype) return true;
  return false;
}

/** The full scan: every problem, with its path. */
function scan(text: string, isContractField: (key: string) => boolean): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const path: (string | number)[] = [];
  // Per open container: the keys seen so far (objects) or null (arrays).
  const keys: (Set<string> | null)[] = [];
  let expectKey = false;
  const n = text.length;
  let i = 0;
  let backslash = text.indexOf("\\");
  // The current value's path; inside a field name, the object's path and "(field name)".
  const here = (inKey = false) => {
    const segs = path.map((s) =>
      typeof s === "number" || isContractField(s) ? String(s) : "(unknown field)",
    );
    if (inKey) segs[segs.length - 1] = "(field name)";
    return segs.join(".");
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i + 1;
      let end = text.indexOf('"', start);
      let escaped = false;
      // Most strings have no escape: native searches find the end (the next backslash is
      // searched again only once passed, so the whole scan stays linear).
      if (backslash !== -1 && backslash < start) backslash = text.indexOf("\\", start);
      if (backslash !== -1 && backslash < end) {
        escaped = true;
        i = backslash;
        for (;;) {
          const d = text.charCodeAt(i);
          if (d === 0x22) break;
          if (d === 0x5c /* \ */) {
            if (text.charCodeAt(i + 1) === 0x75 /* u */) {
              const { length, problem } = unicodeEscape(text, i);
              if (problem) problems.push({ path: here(expectKey), message: problem });
              i += length;
            } else i += 2;
          } else i++;
        }
        end = i;
      }
      i = end + 1;
      if (expectKey) {
        const raw = text.slice(start, end);
        const key = escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
        path[path.length - 1] = key;
        const seen = keys[keys.length - 1];
        if (seen?.has(key)) problems.push({ path: here(), message: "appears more than once in its object" });
        seen?.add(key);
        expectKey = false;
      }
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      i++;
      let plain = true;
      for (; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d >= 0x30 && d <= 0x39) continue;
        if (d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) plain = false;
        else break;
      }
      // Up to 15 digits, a plain integer is always exact in a double.
      if (!plain || i - start > 15) {
        const lexeme = text.slice(start, i);
        if (!readsBackExactly(lexeme))
          problems.push({
            path: here(),
            message: `must be a number a 64-bit float holds exactly; the text has ${i - start} characters and more precision or range than its decoded value keeps`,
          });
      }
    } else {
      switch (c) {
        case 0x7b /* { */:
          keys.push(new Set());
          path.push("");
          expectKey = true;
          break;
        case 0x5b /* [ */:
          keys.push(null);
          path.push(0);
          break;
        case 0x7d /* } */:
        case 0x5d /* ] */:
          keys.pop();
          path.pop();
          expectKey = false;
          break;
        case 0x2c /* , */:
          {
            const top = path.length - 1;
            if (keys[top] === null) path[top] = (path[top] as number) + 1;
            else expectKey = true;
            break;
          }
      }
      i++;
    }
  }
  return problems;
}

/**
 * The `\uXXXX` escape at `at`: how many characters it takes (12 for a surrogate pair, else 6) and
 * its problem (NUL, or a surrogate without its pair).
 */
function unicodeEscape(text: string, at: number): { length: number; problem?: string } {
  const code = Number.parseInt(text.slice(at + 2, at + 6), 16);
  if (code === 0) return { length: 6, problem: NUL };
  if (code >= 0xd800 && code <= 0xdbff) {
    const next =
      text.charCodeAt(at + 6) === 0x5c && text.charCodeAt(at + 7) === 0x75
        ? Number.parseInt(text.slice(at + 8, at + 12), 16)
        : -1;
    if (next >= 0xdc00 && next <= 0xdfff) return { length: 12 };
    return { length: 6, problem: LONE_SURROGATE };
  }
  if (code >= 0xdc00 && code <= 0xdfff) return { length: 6, problem: LONE_SURROGATE };
  return { length: 6 };
}

const NUL = "must not contain a NUL character (\\u0000): PostgreSQL cannot store it";
const LONE_SURROGATE =
  "must not contain an unpaired UTF-16 surrogate (\\ud800-\\udfff without its pair): it is not Unicode text";

/** Whether a string can be stored as PostgreSQL text: well-formed Unicode without NUL. */
export function isStorableText(s: string): boolean {
  return !s.includes("\0") && (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/**
 * Whether the decimal a JSON number lexeme denotes equals the double it decodes to, compared as
 * decimals through the shortest round-trip form (`String(n)`): `1.50` and `15e-1` pass, digits a
 * double cannot hold and exponents beyond its range do not.
 */
export function readsBackExactly(lexeme: string): boolean {
  const n = Number(lexeme);
  if (!Number.isFinite(n)) return false;
  const shortest = String(n);
  return shortest === lexeme || canonicalDecimal(lexeme) === canonicalDecimal(shortest);
}

/** `<sign><digits>e<exponent>` with no leading or trailing zeros in the digits; "0" for zero. */
function canonicalDecimal(s: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m) return `NaN:${s}`;
  let digits = (m[2] ?? "") + (m[3] ?? "");
  let exponent = Number(m[4] ?? "0") - (m[3]?.length ?? 0);
  digits = digits.replace(/^0+/, "");
  if (digits === "") return "0";
  const trailing = digits.length - digits.replace(/0+$/, "").length;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  return `${m[1]}${digits}e${exponent}`;
}
