import fc from "fast-check";
import type { EventKind } from "../event";
import { EXAMPLES } from "../examples";

/**
 * Values at the contract's edges, for property tests (the unit test beside the contract and the
 * integration test that writes them through the pipeline), with REFERENCE predicates: whether the
 * contract must accept each value, written from PostgreSQL's documented limits and the contract's
 * documented window (schemas/README.md), in code of their own (BigInt decimals, a civil-day
 * formula), never by calling the contract's implementation.
 *
 * PostgreSQL's limits used (docs: 8.3 Character Types, 8.5 Date/Time Types, 8.14 JSON Types):
 * - text and jsonb strings cannot hold U+0000; jsonb refuses a `\u` surrogate escape without its pair;
 * - date and timestamptz text input has no year 0000 (1 BC is written "BC"), four-digit years here,
 *   offsets up to ±15:59, seconds 00-59 (60 rolls over: JavaScript refuses it, so the contract does);
 * - jsonb keeps a number's exact decimal (numeric), the services its IEEE double: both must be the
 *   same value, else what is stored and what is computed disagree.
 * The contract's own window on top: UTC offsets ±14:00 (the real ones), and dates and instants
 * from 1970-01-01 to 9998-12-31 (four-digit years in every time zone for the services' calendars).
 */

// ---------------------------------------------------------------- reference predicates

/** PostgreSQL can store it as text: no NUL, every surrogate paired. */
export function refStorableText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return false;
    if (c >= 0xdc00 && c <= 0xdfff) return false;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}

const isLeap = (y: number) => y % 400 === 0 || (y % 4 === 0 && y % 100 !== 0);
const monthDays = (y: number, m: number) =>
  m === 2 ? (isLeap(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31;
const isCivilDate = (y: number, m: number, d: number) => m >= 1 && m <= 12 && d >= 1 && d <= monthDays(y, m);

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
const WINDOW_START_DAY = daysFromCivil(1970, 1, 1);
const WINDOW_END_DAY = daysFromCivil(9999, 1, 1); // exclusive

export interface DateParts {
  y: number;
  m: number;
  d: number;
}
export interface DateTimeParts extends DateParts {
  h: number;
  mi: number;
  s: number;
  /** Digits after the decimal point of the seconds (0: none written). */
  fraction: number;
  /** null: `Z`. */
  offset: { sign: 1 | -1; hh: number; mm: number } | null;
}

export function refLocalDate(p: DateParts): boolean {
  return isCivilDate(p.y, p.m, p.d) && p.y >= 1970 && p.y <= 9998;
}

export function refDateTime(p: DateTimeParts): boolean {
  if (!isCivilDate(p.y, p.m, p.d) || p.y < 1970 || p.y > 9998) return false;
  if (p.h > 23 || p.mi > 59 || p.s > 59 || p.fraction > 9) return false;
  let offsetMinutes = 0;
  if (p.offset) {
    if (p.offset.mm > 59) return false;
    offsetMinutes = p.offset.sign * (p.offset.hh * 60 + p.offset.mm);
    if (Math.abs(offsetMinutes) > 14 * 60) return false;
  }
  const minutes = (daysFromCivil(p.y, p.m, p.d) * 24 + p.h) * 60 + p.mi - offsetMinutes;
  return minutes >= WINDOW_START_DAY * 1440 && minutes < WINDOW_END_DAY * 1440;
}

/** A JSON number lexeme's exact value as a fraction n / 10^k (BigInt), reduced. */
export function exactDecimal(lexeme: string): { n: bigint; k: number } {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(lexeme);
  if (!m) throw new Error(`not a JSON number: ${lexeme}`);
  const frac = m[3] ?? "";
  let n = BigInt(`${m[1]}${m[2]}${frac}`);
  let k = frac.length - Number(m[4] ?? "0");
  if (k < 0) {
    n *= 10n ** BigInt(-k);
    k = 0;
  }
  while (k > 0 && n % 10n === 0n) {
    n /= 10n;
    k--;
  }
  return { n, k };
}
const sameDecimal = (a: { n: bigint; k: number }, b: { n: bigint; k: number }) => a.n === b.n && a.k === b.k;
const compare = (a: { n: bigint; k: number }, b: { n: bigint; k: number }) => {
  const k = Math.max(a.k, b.k);
  const x = a.n * 10n ** BigInt(k - a.k);
  const y = b.n * 10n ** BigInt(k - b.k);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** An integer field: the text's exact value is a whole number within [min, max]. */
export function refInteger(lexeme: string, min: bigint, max: bigint): boolean {
  const v = exactDecimal(lexeme);
  return v.k === 0 && v.n >= min && v.n <= max;
}

/**
 * A number field: the exact decimal jsonb keeps equals the double the services compute with
 * (written back in its shortest form, as JSON.stringify does), and lies within [min, max].
 */
export function refNumber(lexeme: string, min: number, max: number, exclusiveMin = false): boolean {
  const v = exactDecimal(lexeme);
  const double = Number(lexeme);
  if (!Number.isFinite(double) || !sameDecimal(v, exactDecimal(String(double)))) return false;
  const lo = compare(v, exactDecimal(String(min)));
  return (exclusiveMin ? lo > 0 : lo >= 0) && compare(v, exactDecimal(String(max))) <= 0;
}

// ---------------------------------------------------------------- generators

/** Characters at the edges of what text can hold, mixed with ordinary ones. */
const edgeChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("a", "Z", "7", " ", "ă", "ș", "€", "/", '"', "\\", "\n") },
  {
    weight: 2,
    arbitrary: fc.constantFrom("\u0000", "\ud800", "\udbff", "\udc00", "\udfff", "\uffff", "\ufeff"),
  },
  { weight: 2, arbitrary: fc.constantFrom("😀", "𝄞", "\u{10ffff}") },
  { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
);

/** Strings of lengths around [min, max] (in UTF-16 units, so astral characters land on both sides), from edge characters. */
export function edgeString(min: number, max: number): fc.Arbitrary<string> {
  const around = fc.oneof(
    fc.constantFrom(Math.max(0, min - 1), min, max - 1, max, max + 1),
    fc.integer({ min: 0, max: max + 2 }),
  );
  return around.chain((len) =>
    fc.array(edgeChar, { minLength: len, maxLength: len }).map((cs) => {
      let s = cs.join("");
      // Astral characters take two units: trim or pad to exactly the drawn length.
      while (s.length > len) s = s.slice(0, len);
      return s.padEnd(len, "x");
    }),
  );
}

const pad = (n: number, w: number) => String(n).padStart(w, "0");
export const formatDate = (p: DateParts) => `${pad(p.y, 4)}-${pad(p.m, 2)}-${pad(p.d, 2)}`;
export function formatDateTime(p: DateTimeParts): string {
  const frac = p.fraction > 0 ? `.${"1234567891".repeat(2).slice(0, p.fraction)}` : "";
  const off = p.offset
    ? `${p.offset.sign < 0 ? "-" : "+"}${pad(p.offset.hh, 2)}:${pad(p.offset.mm, 2)}`
    : "Z";
  return `${formatDate(p)}T${pad(p.h, 2)}:${pad(p.mi, 2)}:${pad(p.s, 2)}${frac}${off}`;
}

const year = fc.oneof(
  fc.constantFrom(0, 1, 99, 1000, 1969, 1970, 2000, 2024, 2025, 9998, 9999, 10000),
  fc.integer({ min: 0, max: 10000 }),
);
const date = fc.record({
  y: year,
  m: fc.oneof(fc.constantFrom(0, 1, 2, 12, 13), fc.integer({ min: 1, max: 12 })),
  d: fc.oneof(fc.constantFrom(0, 1, 28, 29, 30, 31, 32), fc.integer({ min: 1, max: 31 })),
});
export const edgeDate: fc.Arbitrary<DateParts> = date;

export const edgeDateTime: fc.Arbitrary<DateTimeParts> = fc.record({
  y: year,
  m: fc.oneof(fc.constantFrom(1, 2, 12, 13), fc.integer({ min: 1, max: 12 })),
  d: fc.oneof(fc.constantFrom(1, 28, 29, 30, 31, 32), fc.integer({ min: 1, max: 31 })),
  h: fc.oneof(fc.constantFrom(0, 23, 24), fc.integer({ min: 0, max: 23 })),
  mi: fc.oneof(fc.constantFrom(0, 59, 60), fc.integer({ min: 0, max: 59 })),
  s: fc.oneof(fc.constantFrom(0, 59, 60), fc.integer({ min: 0, max: 59 })),
  fraction: fc.constantFrom(0, 0, 1, 3, 6, 9, 10),
  offset: fc.option(
    fc.record({
      sign: fc.constantFrom(1 as const, -1 as const),
      hh: fc.oneof(fc.constantFrom(0, 12, 13, 14, 15, 17), fc.integer({ min: 0, max: 14 })),
      mm: fc.constantFrom(0, 0, 30, 45, 59, 60),
    }),
    { freq: 3 },
  ),
});

/** JSON integer lexemes around a range: exact, with zero fractions and exponents, almost-integers, huge. */
export function edgeIntegerLexeme(min: bigint, max: bigint): fc.Arbitrary<string> {
  const value = fc.oneof(
    fc.constantFrom(
      min - 1n,
      min,
      min + 1n,
      max - 1n,
      max,
      max + 1n,
      0n,
      -1n,
      2n ** 53n,
      2n ** 63n,
      10n ** 20n,
    ),
    fc.bigInt({ min: min - 10n, max: max + 10n }),
  );
  return fc
    .tuple(value, fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 20 }))
    .map(([v, form, k]) => {
      const s = v.toString();
      switch (form) {
        case 0:
          return s;
        case 1:
          return `${s}.${"0".repeat(k)}`; // exact: 7.000
        case 2:
          return `${s}.${"0".repeat(k)}1`; // not whole: 123325313.0000000001
        case 3:
          return `${s}e0`;
        case 4: {
          // The same value with its last digits moved into an exponent: 1234 -> 12.34e2
          const neg = s.startsWith("-");
          const digits = neg ? s.slice(1) : s;
          if (digits.length < 2) return `${s}E+0`;
          const cut = Math.min(k % digits.length || 1, digits.length - 1);
          return `${neg ? "-" : ""}${digits.slice(0, digits.length - cut)}.${digits.slice(-cut)}e${cut}`;
        }
        default:
          return `${s}.5`;
      }
    });
}

/** JSON number lexemes around [min, max]: shortest forms, long decimals, tiny and huge exponents. */
export function edgeNumberLexeme(min: number, max: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.double({ min: min - 10, max: max + 10, noNaN: true, noDefaultInfinity: true }).map((d) => String(d)),
    fc.constantFrom(
      String(min),
      String(max),
      `${max}.0000000000000001`,
      `${max}.00000000000001`,
      `${min}.5`,
      "0",
      "-0",
      "1e-20000",
      "1e400",
      "4.0000000000000001",
      "21.50",
      "2150e-2",
      "0.1",
      "0.30000000000000004",
      "5e-324",
    ),
    fc
      .tuple(fc.integer({ min: -9999, max: 9999 }), fc.integer({ min: 0, max: 25 }))
      .map(([n, k]) => (k === 0 ? String(n) : `${n < 0 ? "-" : ""}${Math.abs(n)}.${"0".repeat(k)}7`)),
  );
}

// ---------------------------------------------------------------- events with one edge value

/** One event with one field at an edge: its JSON text and whether the contract must accept it. */
export interface EdgeEvent {
  kind: EventKind;
  /** Dotted path of the edge field. */
  field: string;
  /** The edge value as JSON text (a string literal, date, or number lexeme). */
  raw: string;
  /** Whether the contract must accept the event (reference predicate). */
  accept: boolean;
  /** For a date-time edge the contract accepts: the instant, in ms since the epoch. */
  instantMs?: number;
  /** Builds the event's JSON text around the envelope a test chooses (ids, seq, times). */
  text(envelope: Record<string, unknown>): string;
}

const MARK = "__edge__";

function edgeEvent(kind: EventKind, field: string, raw: string, accept: boolean): EdgeEvent {
  return {
    kind,
    field,
    raw,
    accept,
    text(envelope) {
      const event: Record<string, unknown> = { ...structuredClone(EXAMPLES[kind]), ...envelope };
      const path = field.split(".");
      let at: Record<string, unknown> = event;
      for (const p of path.slice(0, -1)) at = at[p] as Record<string, unknown>;
      at[path.at(-1) as string] = MARK;
      return JSON.stringify(event).replace(`"${MARK}"`, raw);
    },
  };
}

/** Characters as PostgreSQL's length() counts them: code points (a surrogate pair is one). */
export function refCharacters(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) {
    const c = s.charCodeAt(i);
    const d = s.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) i++;
  }
  return n;
}

const text = (kind: EventKind, field: string, min: number, max: number) =>
  edgeString(min, max).map((s) =>
    edgeEvent(
      kind,
      field,
      JSON.stringify(s),
      refStorableText(s) && refCharacters(s) >= min && refCharacters(s) <= max,
    ),
  );
const integer = (kind: EventKind, field: string, min: bigint, max: bigint) =>
  edgeIntegerLexeme(min, max).map((l) => edgeEvent(kind, field, l, refInteger(l, min, max)));
const number = (kind: EventKind, field: string, min: number, max: number, exclusiveMin = false) =>
  edgeNumberLexeme(min, max).map((l) => edgeEvent(kind, field, l, refNumber(l, min, max, exclusiveMin)));
const localDate = (kind: EventKind, field: string) =>
  edgeDate.map((p) => edgeEvent(kind, field, JSON.stringify(formatDate(p)), refLocalDate(p)));
const dateTime = (kind: EventKind, field: string) =>
  edgeDateTime.map((p) => {
    const e = edgeEvent(kind, field, JSON.stringify(formatDateTime(p)), refDateTime(p));
    if (e.accept) {
      const offset = p.offset ? p.offset.sign * (p.offset.hh * 60 + p.offset.mm) : 0;
      e.instantMs = ((daysFromCivil(p.y, p.m, p.d) * 24 + p.h) * 60 + p.mi - offset) * 60_000 + p.s * 1000;
    }
    return e;
  });

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Edge events for every kind of value a consumer stores: free texts (firmware, fault detail,
 * machine location, prison name), instants (device and office times), local dates (census day,
 * lot expiry), integers (uptime, population, seq) and numbers (temperature, dose, prevalence).
 */
export const edgeEvents = {
  text: fc.oneof(
    text("heartbeat", "firmware", 1, 32),
    text("fault", "detail", 0, 200),
    text("ref_machine", "location", 1, 120),
    text("ref_prison", "name", 1, 120),
  ),
  dateTime: fc.oneof(dateTime("heartbeat", "deviceTime"), dateTime("census", "time")),
  localDate: fc.oneof(localDate("census", "date"), localDate("restock", "lots.0.expiry")),
  integer: fc.oneof(
    integer("heartbeat", "uptimeS", 0n, MAX_SAFE),
    integer("census", "population", 0n, 100_000n),
    integer("dispense", "seq", 1n, MAX_SAFE),
  ),
  number: fc.oneof(
    number("heartbeat", "temperatureC", -40, 85),
    number("oat", "doseMg", 0, 400, true),
    number("ref_prison", "injectingPrevalence", 0, 1),
  ),
};

/** Any edge event. */
export const anyEdgeEvent: fc.Arbitrary<EdgeEvent> = fc.oneof(...Object.values(edgeEvents));
