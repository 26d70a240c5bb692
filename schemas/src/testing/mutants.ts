import fc from "fast-check";
import { EVENT_KINDS, EVENT_SCHEMAS, type EventKind } from "../event";
import { EXAMPLES } from "../examples";
import { edgeDate, edgeDateTime, edgeNumberLexeme, edgeString, formatDate, formatDateTime } from "./edges";

/**
 * Events for differential tests of the contract (the compiled fast path against zod's runtime):
 * each kind's example with fields replaced by plausible values (mostly valid events), or with
 * hostile ones (wrong types, out-of-range and non-finite numbers, NUL, lone surrogates, astral and
 * look-alike characters, missing and extra fields, prototype keys such as `__proto__`), as decoded
 * values and as JSON texts with text-level attacks (duplicate fields, escapes, number lexemes).
 * No verdict is computed here: the tests compare the two paths with each other.
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const token = fc.stringMatching(/^[A-Za-z0-9_-]{22}$/);
const dateTime = edgeDateTime.map(formatDateTime);
const date = edgeDate.map(formatDate);
const text = (min: number, max: number) =>
  fc.oneof(fc.string({ minLength: min, maxLength: max }), fc.string({ unit: "binary", maxLength: max + 1 }));

/** Every enumerated word of the contract, so that an enum field also receives another field's words. */
const WORDS = fc.constantFrom(
  ...["open", "closed", "mains", "battery", "empty", "quota", "fault", "count", "expired", "damaged"],
  ...["other", "jam", "card_reader", "tamper", "power_loss", "door_open", "temperature", "raised"],
  ...["cleared", "online", "offline", "connect", "shutdown", "connection_lost", "enrol", "dose"],
  ...["discharge", "methadone", "buprenorphine", "completed", "released", "transferred", "left", "died"],
  ...["syringe_kit", "naloxone_nasal", "naloxone_injectable", "Open", "open ", "", "dispense"],
);

const lot = fc.record({ lotId: id, expiry: date, quantity: fc.integer({ min: 0, max: 1001 }) });
const slot = fc.record({
  slotId: fc.constantFrom("s1", "s2", "s3"),
  itemId: id,
  capacity: fc.integer({ min: 0, max: 1001 }),
});

/** Values of the field's own type, mostly inside its range. */
const PLAUSIBLE: Record<string, fc.Arbitrary<unknown>> = {
  v: fc.constantFrom(1, 1, 1, 2),
  seq: fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom(1, MAX_SAFE, MAX_SAFE - 1)),
  deviceTime: dateTime,
  time: dateTime,
  offlineSince: dateTime,
  date,
  expiry: date,
  cardToken: token,
  clientToken: token,
  quantity: fc.integer({ min: 1, max: 12 }),
  stockAfter: fc.integer({ min: 0, max: 1000 }),
  delta: fc.integer({ min: -1000, max: 1000 }),
  temperatureC: fc.oneof(fc.double({ min: -40, max: 85, noNaN: true }), fc.integer({ min: -40, max: 85 })),
  batteryPct: fc.double({ min: 0, max: 100, noNaN: true }),
  uptimeS: fc.oneof(fc.integer({ min: 0, max: 1e9 }), fc.constantFrom(0, MAX_SAFE)),
  firmware: text(1, 32),
  detail: text(0, 200),
  name: text(1, 120),
  location: text(1, 120),
  by: text(1, 120),
  timeZone: fc.constantFrom(
    "Europe/Chisinau",
    "UTC",
    "Etc/GMT+5",
    "America/New_York",
    "europe/chisinau",
    "Mars/Base",
    "",
  ),
  alertId: fc.stringMatching(/^[A-Za-z0-9_+:./-]{1,200}$/),
  doseMg: fc.double({ min: 0, max: 400, noNaN: true }),
  injectingPrevalence: fc.double({ min: 0, max: 1, noNaN: true }),
  opioidDependencePrevalence: fc.double({ min: 0, max: 1, noNaN: true }),
  capacity: fc.integer({ min: 1, max: 100_000 }),
  population: fc.integer({ min: 0, max: 100_000 }),
  admissions: fc.integer({ min: 0, max: 10_000 }),
  releases: fc.integer({ min: 0, max: 10_000 }),
  oatCapacity: fc.integer({ min: 0, max: 100_000 }),
  syringesPerUnit: fc.integer({ min: 0, max: 100 }),
  active: fc.boolean(),
  tracksLots: fc.boolean(),
  lots: fc.array(lot, { maxLength: 3 }),
  slots: fc.array(slot, { minLength: 1, maxLength: 3 }),
};
const ENUM_FIELDS = [
  "door",
  "power",
  "reason",
  "code",
  "state",
  "action",
  "medicine",
  "dischargeReason",
  "category",
];
const ID_FIELDS = ["prisonId", "machineId", "sourceId", "slotId", "itemId", "lotId", "visitId"];

function plausible(field: string): fc.Arbitrary<unknown> {
  if (ENUM_FIELDS.includes(field)) return WORDS;
  if (ID_FIELDS.includes(field)) return id;
  return PLAUSIBLE[field] ?? fc.constant(null);
}

/** Keys a decoded object can carry that name something on Object.prototype or nothing at all. */
const ODD_KEYS = ["__proto__", "constructor", "toString", "valueOf", "hasOwnProperty", "prototype", "", "x"];

/** Any value, chosen to break a check: types, bounds, non-finite numbers, odd text. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, [], {}, [1], "", "1", "NaN", "Infinity", "-Infinity", "1e400", "0x10"),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 0.5, 1e21, 1e308),
  fc.constantFrom(-1e308, 5e-324, 2 ** 53, 2 ** 53 + 2, MAX_SAFE + 1, -MAX_SAFE, 2 ** 31, 2 ** 63, 1e20),
  fc.constantFrom(1000, 1001, -1000, -1001, 10, 11, 85, 85.0001, -40, -40.0001, 100, 100.5, 400, 400.0001),
  fc.double(),
  fc.integer(),
  edgeString(0, 66),
  edgeString(21, 23),
  fc.constantFrom("ｓ１", "s\u200b1", "e\u0301", "\u202es1", "\ufeffs1", "s1\n", " s1", "s\u00001", "😀"),
  fc.constantFrom(...ODD_KEYS),
  dateTime,
  date,
  fc.array(lot, { minLength: 19, maxLength: 22 }),
  fc.array(slot, { minLength: 63, maxLength: 66 }),
  fc.array(fc.oneof(lot, slot, fc.constant(null), fc.constant({})), { maxLength: 3 }),
  fc.constant(JSON.parse('{"__proto__":{"v":1}}') as unknown),
);

type Mutation =
  | { op: "set"; path: (string | number)[]; value: unknown }
  | { op: "delete"; path: (string | number)[] }
  | { op: "prototype"; value: Record<string, unknown> | null };

/** Sets as JSON.parse does (an own, enumerable property even for `__proto__`). */
function define(target: object, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function apply(event: Record<string, unknown>, m: Mutation): void {
  if (m.op === "prototype") {
    Object.setPrototypeOf(event, m.value);
    return;
  }
  let at: unknown = event;
  for (const seg of m.path.slice(0, -1)) {
    at = typeof at === "object" && at !== null ? (at as Record<string, unknown>)[seg] : undefined;
  }
  if (typeof at !== "object" || at === null) return;
  const last = m.path.at(-1)!;
  if (m.op === "delete") Reflect.deleteProperty(at, last);
  else define(at, last, m.value);
}

function fieldsOf(kind: EventKind): string[] {
  return Object.keys(EVENT_SCHEMAS[kind].shape);
}

/** A field path of the kind: top level, or inside its lots or slots. */
function path(kind: EventKind): fc.Arbitrary<(string | number)[]> {
  const top = fc.constantFrom(...fieldsOf(kind)).map((f) => [f]);
  if (kind === "restock")
    return fc.oneof(
      top,
      fc
        .tuple(fc.integer({ min: 0, max: 2 }), fc.constantFrom("lotId", "expiry", "quantity", "x"))
        .map(([i, f]) => ["lots", i, f]),
    );
  if (kind === "ref_machine")
    return fc.oneof(
      top,
      fc
        .tuple(fc.integer({ min: 0, max: 1 }), fc.constantFrom("slotId", "itemId", "capacity", "__proto__"))
        .map(([i, f]) => ["slots", i, f]),
    );
  return top;
}

function plausibleMutation(kind: EventKind): fc.Arbitrary<Mutation> {
  return fc
    .constantFrom(...fieldsOf(kind))
    .chain((f) => plausible(f).map((value) => ({ op: "set" as const, path: [f], value })));
}

function hostileMutation(kind: EventKind): fc.Arbitrary<Mutation> {
  const otherFields = EVENT_KINDS.flatMap(fieldsOf);
  return fc.oneof(
    { weight: 4, arbitrary: plausibleMutation(kind) },
    {
      weight: 4,
      arbitrary: fc.tuple(path(kind), hostile).map(([p, value]) => ({ op: "set" as const, path: p, value })),
    },
    { weight: 1, arbitrary: path(kind).map((p) => ({ op: "delete" as const, path: p })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...ODD_KEYS, ...otherFields), fc.oneof(hostile, fc.constant(1)))
        .map(([k, value]) => ({ op: "set" as const, path: [k], value })),
    },
  );
}

/** Decoded events of one kind: its example with plausible (`hostile` false) or any mutations. */
export function mutatedEvent(
  kind: EventKind,
  hostileMutations: boolean,
): fc.Arbitrary<Record<string, unknown>> {
  const mutation = hostileMutations ? hostileMutation(kind) : plausibleMutation(kind);
  return fc.array(mutation, { minLength: hostileMutations ? 1 : 0, maxLength: 4 }).map((ms) => {
    const event = structuredClone(EXAMPLES[kind]) as Record<string, unknown>;
    for (const m of ms) apply(event, m);
    return event;
  });
}

/** Decoded events whose prototype carries fields: what JSON.parse never builds, but parseEvent may be given. */
export function inheritingEvent(kind: EventKind): fc.Arbitrary<Record<string, unknown>> {
  const proto = fc.oneof(
    fc.constant(null),
    fc
      .tuple(fc.constantFrom(...fieldsOf(kind), "x"), fc.oneof(plausible("seq"), id))
      .map(([k, v]) => ({ [k]: v })),
  );
  return fc.tuple(mutatedEvent(kind, false), proto, fc.boolean()).map(([event, p, drop]) => {
    const key = p === null ? undefined : Object.keys(p)[0];
    if (drop && key !== undefined) Reflect.deleteProperty(event, key);
    apply(event, { op: "prototype", value: p });
    return event;
  });
}

/** JSON text attacks on a serialised event: duplicate fields, escapes, number lexemes, whitespace. */
const textAttack: fc.Arbitrary<(json: string) => string> = fc.oneof(
  fc.constant((j: string) => j),
  fc
    .constantFrom(...["seq", "kind", "v", "temperatureC", "lots", "__proto__"])
    .chain((k) =>
      fc
        .constantFrom("1", '"heartbeat"', "null", "{}")
        .map((v) => (j: string) => j.replace("{", `{"${k}":${v},`)),
    ),
  fc
    .constantFrom("\\u0000", "\\ud800", "\\udc00", "\\ud83d\\ude00", "\\u0041", "\\\\", '\\"', "\\n", "\\/")
    .map((esc) => (j: string) => j.replace(/"([^"\\]*)"(?=[,}\]])/, `"$1${esc}"`)),
  fc.constantFrom('"\\u006bind"', '"k\\u0069nd"', '"\\u0073eq"').map((key) => (j: string) => {
    const plain = JSON.parse(key) as string;
    return j.replace(`"${plain}":`, `${key}:`);
  }),
  fc
    .tuple(
      fc.constantFrom(
        "seq",
        "uptimeS",
        "temperatureC",
        "batteryPct",
        "quantity",
        "stockAfter",
        "doseMg",
        "delta",
        "population",
      ),
      edgeNumberLexeme(-50, 1000),
    )
    .map(
      ([k, lexeme]) =>
        (j: string) =>
          j.replace(new RegExp(`"${k}":-?[0-9.eE+-]+`), `"${k}":${lexeme}`),
    ),
  fc
    .constantFrom(" ", "\n", "\t", "\r\n")
    .map((ws) => (j: string) => j.replaceAll(",", `${ws},${ws}`).replaceAll(":", `${ws}:`)),
  fc.constant((j: string) => `\ufeff${j}`),
  fc.constant((j: string) => `[${j}]`),
  fc.constant((j: string) => j.slice(0, -1)),
);

/** JSON texts of one kind: a mutated event serialised, then attacked as text. */
export function mutatedText(kind: EventKind): fc.Arbitrary<string> {
  return fc
    .tuple(mutatedEvent(kind, true), textAttack)
    .map(([event, attack]) => attack(JSON.stringify(event)));
}
