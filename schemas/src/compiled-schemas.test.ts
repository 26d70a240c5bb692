import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { compiledSchema } from "./compiled-schemas";
import { isContractField } from "./contract-fields";
import { ContractError, type FieldProblem, problemsFromZod, type RejectReason } from "./errors";
import { EVENT_KINDS, EVENT_SCHEMAS, type EventKind } from "./event";
import { EXAMPLES } from "./examples";
import { jsonTextProblems } from "./json-text";
import { parseEventBytes } from "./parse";
import { inheritingEvent, mutatedEvent, mutatedText } from "./testing/mutants";

/**
 * The compiled fast path (`compiledSchema`, behind `parseEventBytes`) against zod's runtime
 * parser of the same contract (`EVENT_SCHEMAS`): on generated valid events and on mutated ones,
 * both must accept and refuse the same inputs, return the same value (same keys in the same order,
 * `-0` kept apart from `0`) and report the same issues. Seeded, so a failure reproduces.
 */

/** Deep equality that also compares key order, prototypes and -0. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b))
    return false;
  const ka = Reflect.ownKeys(a);
  const kb = Reflect.ownKeys(b);
  return (
    ka.length === kb.length &&
    ka.every(
      (k, i) =>
        k === kb[i] && same((a as Record<PropertyKey, unknown>)[k], (b as Record<PropertyKey, unknown>)[k]),
    )
  );
}

const OPTS = { reportInput: true } as const;
const counts = () => ({ accepted: 0, refused: 0 });

function compareValue(kind: EventKind, value: unknown, tally: { accepted: number; refused: number }): void {
  const reference = EVENT_SCHEMAS[kind].safeParse(value, OPTS);
  const compiled = compiledSchema(kind).safeParse(value, OPTS);
  expect(compiled.success, JSON.stringify(value)).toBe(reference.success);
  if (reference.success) {
    tally.accepted++;
    expect(same(compiled.data, reference.data), JSON.stringify(value)).toBe(true);
    expect(compiled.data).not.toBe(value);
  } else {
    tally.refused++;
    expect(compiled.error?.issues).toEqual(reference.error.issues);
  }
}

type Outcome = { data: unknown } | { reason: RejectReason; problems?: FieldProblem[] };

/**
 * What parseEventBytes must answer, from JSON.parse, the full text scan (never its quick pass) and
 * zod's runtime parser.
 */
function reference(text: string): Outcome {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { reason: "malformed_json" };
  }
  const problems = jsonTextProblems(text, isContractField);
  if (problems.length > 0) return { reason: "schema", problems };
  if (typeof json !== "object" || json === null || Array.isArray(json)) return { reason: "schema" };
  const kind = (json as { kind?: unknown }).kind;
  if (typeof kind !== "string" || !Object.hasOwn(EVENT_SCHEMAS, kind)) return { reason: "unknown_kind" };
  const result = EVENT_SCHEMAS[kind as EventKind].safeParse(json, OPTS);
  return result.success
    ? { data: result.data }
    : { reason: "schema", problems: problemsFromZod(result.error) };
}

function actual(input: string | Uint8Array): Outcome & { error?: ContractError } {
  try {
    return { data: parseEventBytes(input) };
  } catch (error) {
    if (!(error instanceof ContractError)) throw error;
    return { reason: error.reason, problems: error.problems, error };
  }
}

describe("the compiled fast path", () => {
  it.each(EVENT_KINDS)("%s compiles (z.compile strict), so valid events skip zod's runtime", (kind) => {
    expect(() => z.compile(EVENT_SCHEMAS[kind], { strict: true })).not.toThrow();
    expect(compiledSchema(kind)).not.toBe(EVENT_SCHEMAS[kind]);
  });

  it.each(EVENT_KINDS)("%s: its example takes the fast path, an invalid copy zod's runtime", (kind) => {
    const schema = compiledSchema(kind);
    // zod's runtime parse of the contract schema goes through its `_zod.run`; the fast path does not.
    const runtime = vi.spyOn(EVENT_SCHEMAS[kind]._zod, "run");
    try {
      expect(schema.safeParse(structuredClone(EXAMPLES[kind]), OPTS).success).toBe(true);
      expect(runtime).not.toHaveBeenCalled();
      expect(schema.safeParse({ ...EXAMPLES[kind], seq: 0 }, OPTS).success).toBe(false);
      expect(runtime).toHaveBeenCalled();
    } finally {
      runtime.mockRestore();
    }
  });

  it.each(EVENT_KINDS)(
    "%s: generated valid events, same verdict and value as zod's runtime",
    (kind) => {
      const tally = counts();
      fc.assert(
        fc.property(mutatedEvent(kind, false), (e) => compareValue(kind, e, tally)),
        { numRuns: 2_000, seed: 2026_20 + kind.length },
      );
      // The generator reaches valid events of every kind (and some invalid ones: enum words, dates).
      expect(tally.accepted).toBeGreaterThan(200);
    },
    120_000,
  );

  it.each(EVENT_KINDS)(
    "%s: mutated events, same verdict, value and issues as zod's runtime",
    (kind) => {
      const tally = counts();
      fc.assert(
        fc.property(mutatedEvent(kind, true), (e) => compareValue(kind, e, tally)),
        { numRuns: 3_000, seed: 2026_21 + kind.length },
      );
      expect(tally.refused).toBeGreaterThan(1_000);
      expect(tally.accepted).toBeGreaterThan(20);
    },
    120_000,
  );

  it.each(EVENT_KINDS)(
    "%s: objects inheriting fields (or with no prototype), as zod's runtime",
    (kind) => {
      const tally = counts();
      fc.assert(
        fc.property(inheritingEvent(kind), (e) => compareValue(kind, e, tally)),
        { numRuns: 500, seed: 2026_22 + kind.length },
      );
    },
    120_000,
  );
});

describe("parseEventBytes with the compiled fast path", () => {
  it.each(EVENT_KINDS)(
    "%s: mutated JSON texts, as JSON.parse, the full text scan and zod's runtime",
    (kind) => {
      const tally = counts();
      fc.assert(
        fc.property(mutatedText(kind), (text) => {
          const want = reference(text);
          for (const input of [text, Buffer.from(text, "utf8")]) {
            const got = actual(input);
            if ("data" in want) {
              expect("data" in got ? "accepted" : got.error?.message, text).toBe("accepted");
              expect(same((got as { data: unknown }).data, want.data), text).toBe(true);
            } else {
              expect("reason" in got ? got.reason : "accepted", text).toBe(want.reason);
              if (want.problems)
                expect((got as { problems?: FieldProblem[] }).problems, text).toEqual(want.problems);
            }
          }
          if ("data" in want) tally.accepted++;
          else tally.refused++;
        }),
        { numRuns: 2_000, seed: 2026_23 + kind.length },
      );
      expect(tally.accepted).toBeGreaterThan(20);
      expect(tally.refused).toBeGreaterThan(500);
    },
    120_000,
  );
});
