import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isContractField } from "./contract-fields";
import { EVENT_KINDS } from "./event";
import { jsonTextProblems } from "./json-text";
import { exactDecimal } from "./testing/edges";
import { mutatedText } from "./testing/mutants";

describe("jsonTextProblems' quick pass", () => {
  it("may skip decimals without exponent of at most 15 digits: each reads back as the same decimal", () => {
    // The reference compares exact BigInt decimals of the lexeme and of the double's shortest form.
    const lexeme = fc
      .tuple(fc.boolean(), fc.integer({ min: 1, max: 15 }), fc.nat(), fc.nat({ max: 14 }))
      .chain(([negative, digits, seed, point]) =>
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: digits, maxLength: digits }).map((ds) => {
          const s = ds.join("");
          const cut = Math.min(point, s.length - 1);
          const body = cut === 0 || seed % 4 === 0 ? s : `${s.slice(0, s.length - cut)}.${s.slice(-cut)}`;
          return `${negative ? "-" : ""}${body}`;
        }),
      );
    fc.assert(
      fc.property(lexeme, (l) => {
        const read = exactDecimal(String(Number(l)));
        expect(read, l).toEqual(exactDecimal(l));
      }),
      { numRuns: 50_000, seed: 15 },
    );
    // At 16 digits a decimal may no longer read back: the bound is where it must be.
    expect(exactDecimal(String(Number("9.999999999999999")))).not.toEqual(exactDecimal("9.999999999999999"));
  }, 120_000);

  it.each(EVENT_KINDS)(
    "%s: finds no problem only where the full scan finds none",
    (kind) => {
      let checked = 0;
      fc.assert(
        fc.property(mutatedText(kind), (text) => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            return; // the scan runs only on text JSON.parse accepted
          }
          checked++;
          expect(jsonTextProblems(text, isContractField, parsed), text).toEqual(
            jsonTextProblems(text, isContractField),
          );
        }),
        { numRuns: 1_000, seed: 2026_24 + kind.length },
      );
      expect(checked).toBeGreaterThan(500);
    },
    120_000,
  );
});
