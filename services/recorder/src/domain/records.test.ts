import { EXAMPLES } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { toRecord } from "../to-record";
import { conflictLetter, conflictLetters, type RawRecord, recordOf, splitFresh } from "./records";

const rec = (key: string, digest: string): RawRecord => ({
  ...recordOf(EXAMPLES.dispense, "{}", digest),
  key,
});

describe("records", () => {
  it("given a re-used key with other content, then the dead letter says which seq, which source, and that the first stands", () => {
    const r = toRecord(JSON.stringify({ ...EXAMPLES.dispense, quantity: 2 }));
    const dl = conflictLetter(r, "storedDigest", new Date("2025-03-14T10:00:00Z"));
    expect(dl).toMatchObject({
      reason: "duplicate_seq",
      source: "md-branesti-m1",
      topic: null,
      receivedAt: "2025-03-14T10:00:00.000Z",
    });
    expect(dl.message).toBe(
      `seq 1042 of 'md-branesti-m1' was already recorded with different content (digest storedDigest, this one ${r.digest}); the first one stands`,
    );
  });

  it("given keys stored first by this batch, then each is fresh once; a second record with it is not", () => {
    const a1 = rec("a", "d1");
    const a2 = rec("a", "d2");
    const b = rec("b", "d1");
    expect(splitFresh([a1, b, a2], ["a"])).toEqual({ fresh: [a1], rest: [b, a2] });
  });

  it("given records already recorded, then only those with another digest are dead-lettered", () => {
    const same = rec("a", "d1");
    const other = rec("b", "d2");
    const unknown = rec("c", "d3");
    const letters = conflictLetters(
      [same, other, unknown],
      new Map([
        ["a", "d1"],
        ["b", "d1"],
      ]),
      new Date("2025-03-14T10:00:00Z"),
    );
    expect(letters.map((l) => l.id)).toEqual(["dup-b-d2"]);
  });
});
