import { EXAMPLES } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { conflictLetter, digestOf, toRecord } from "./records";

describe("records", () => {
  it("given a stream message, then the record carries the event key, source, time and the exact bytes", () => {
    const bytes = JSON.stringify(EXAMPLES.dispense);
    const r = toRecord(Buffer.from(bytes));
    expect(r).toMatchObject({
      key: "md-branesti-m1:1042",
      sourceId: "md-branesti-m1",
      prisonId: "md-branesti",
      seq: 1042,
      kind: "dispense",
      time: EXAMPLES.dispense.deviceTime,
      payload: bytes,
    });
    const census = toRecord(JSON.stringify(EXAMPLES.census));
    expect(census.sourceId).toBe(EXAMPLES.census.sourceId);
    expect(census.time).toBe(EXAMPLES.census.time);
  });

  it("given the same bytes twice, then the digest is equal; other bytes, another digest", () => {
    const a = JSON.stringify(EXAMPLES.dispense);
    expect(digestOf(a)).toBe(digestOf(Buffer.from(a)));
    expect(digestOf(a)).not.toBe(digestOf(JSON.stringify({ ...EXAMPLES.dispense, quantity: 2 })));
  });

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
});
