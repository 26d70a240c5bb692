import { DeadLetter } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { deadLetter } from "./dead-letter";

describe("dead letters", () => {
  const at = new Date("2025-03-14T08:00:00Z");

  it("keep reason, topic, source and a bounded excerpt, and satisfy the contract", () => {
    const payload = Buffer.from("y".repeat(5000));
    const dl = deadLetter("hr/v1/p1/machine/m1/dispense", payload, "oversize", "too big", at);
    expect(DeadLetter.parse(dl)).toEqual(dl);
    expect(dl).toMatchObject({
      reason: "oversize",
      topic: "hr/v1/p1/machine/m1/dispense",
      source: "m1",
      payloadBytes: 5000,
    });
    expect(Buffer.from(dl.payloadExcerptBase64!, "base64")).toEqual(payload.subarray(0, 1024));
  });

  it("give the same input the same id (a redelivery is stored once) and different inputs different ids", () => {
    const a = deadLetter("t/a", Buffer.from("x"), "schema", "m", at);
    expect(deadLetter("t/a", Buffer.from("x"), "schema", "m", new Date()).id).toBe(a.id);
    expect(deadLetter("t/a", Buffer.from("y"), "schema", "m", at).id).not.toBe(a.id);
    expect(deadLetter("t/b", Buffer.from("x"), "schema", "m", at).id).not.toBe(a.id);
  });
});
