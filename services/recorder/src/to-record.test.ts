import { EXAMPLES } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { digestOf, toRecord } from "./to-record";

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

  it("given the event already decoded, then the record is the one decoding the bytes gives", () => {
    const bytes = Buffer.from(JSON.stringify(EXAMPLES.dispense));
    expect(toRecord(bytes, JSON.parse(bytes.toString("utf8")))).toEqual(toRecord(bytes));
  });

  it("given the same bytes twice, then the digest is equal; other bytes, another digest", () => {
    const a = JSON.stringify(EXAMPLES.dispense);
    expect(digestOf(a)).toBe(digestOf(Buffer.from(a)));
    expect(digestOf(a)).not.toBe(digestOf(JSON.stringify({ ...EXAMPLES.dispense, quantity: 2 })));
  });
});
