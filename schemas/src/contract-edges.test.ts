import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ContractError } from "./errors";
import { parseEventBytes } from "./parse";
import { type EdgeEvent, edgeEvents } from "./testing/edges";

/**
 * Property test at the contract's edges: the contract accepts exactly the values the reference
 * predicates (testing/edges.ts, from PostgreSQL's documented limits and the contract's documented
 * window) accept, and refuses the others as `schema` at the field's path. Runs are seeded, so a
 * failure reproduces; fast-check shrinks it to a minimal value.
 */
function verdict(input: string | Uint8Array): true | ContractError {
  try {
    parseEventBytes(input);
    return true;
  } catch (error) {
    if (error instanceof ContractError) return error;
    throw error;
  }
}

describe.each(Object.entries(edgeEvents))("%s edges", (name, arbitrary) => {
  it("are accepted exactly when the reference accepts them, refused as schema at the field otherwise", () => {
    fc.assert(
      fc.property(arbitrary as fc.Arbitrary<EdgeEvent>, (e) => {
        const text = e.text({});
        const fromBytes = verdict(Buffer.from(text, "utf8"));
        const fromText = verdict(text);
        const what = `${e.kind}.${e.field} = ${e.raw}`;
        expect(fromBytes === true, `${what}: ${fromBytes === true ? "accepted" : fromBytes.message}`).toBe(
          e.accept,
        );
        expect(fromText === true, what).toBe(e.accept);
        if (fromBytes !== true) {
          expect(fromBytes.reason, what).toBe("schema");
          expect(
            fromBytes.problems.map((p) => p.path),
            `${what}: ${fromBytes.message}`,
          ).toContain(e.field);
        }
      }),
      { numRuns: 1_000, seed: 140_000 + name.length },
    );
  }, 120_000);
});

describe("the generators reach both sides of every edge", () => {
  it.each(Object.entries(edgeEvents))("%s: some values accepted, some refused", (_, arbitrary) => {
    const sample = fc.sample(arbitrary as fc.Arbitrary<EdgeEvent>, { numRuns: 500, seed: 14 });
    expect(sample.filter((e) => e.accept).length).toBeGreaterThan(50);
    expect(sample.filter((e) => !e.accept).length).toBeGreaterThan(50);
  });
});
