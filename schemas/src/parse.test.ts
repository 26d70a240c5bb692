import { describe, expect, it } from "vitest";
import { EXAMPLES } from "./examples";
import { MAX_PAYLOAD_BYTES, parseEvent, parseEventBytes } from "./parse";
import { expectRejected, variant } from "./test-helpers";

describe("parseEventBytes", () => {
  it("rejects a payload over the limit unread, with its size", () => {
    const bytes = new Uint8Array(MAX_PAYLOAD_BYTES + 1).fill(0x20);
    const error = expectRejected(() => parseEventBytes(bytes), {
      reason: "oversize",
      says: [`payload is ${MAX_PAYLOAD_BYTES + 1} bytes`, `the limit is ${MAX_PAYLOAD_BYTES} bytes`],
    });
    expect(error.context).toEqual({ size: MAX_PAYLOAD_BYTES + 1 });
  });

  it("measures a string in UTF-8 bytes, not characters", () => {
    const text = "ă".repeat(MAX_PAYLOAD_BYTES / 2 + 1);
    expectRejected(() => parseEventBytes(text), { reason: "oversize", says: ["the limit is"] });
  });

  it("accepts an event padded up to the limit exactly", () => {
    const json = JSON.stringify(EXAMPLES.heartbeat);
    const padded = json + " ".repeat(MAX_PAYLOAD_BYTES - json.length);
    expect(parseEventBytes(padded)).toEqual(EXAMPLES.heartbeat);
  });

  it.each([
    ["a truncated object", JSON.stringify(EXAMPLES.dispense).slice(0, 40)],
    ["an empty payload", ""],
    ["plain text", "dispense s1 x1"],
    ["single quotes", "{'kind': 'dispense'}"],
  ])("rejects %s as malformed JSON", (_, text) => {
    const error = expectRejected(() => parseEventBytes(text), {
      reason: "malformed_json",
      says: ["payload is not valid JSON"],
    });
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it("reads bytes as UTF-8", () => {
    const event = variant("ref_prison", {}) as typeof EXAMPLES.ref_prison;
    expect(parseEventBytes(Buffer.from(JSON.stringify(event), "utf8"))).toMatchObject({
      name: "Penitenciarul nr. 18 Brănești",
    });
  });
});

describe("parseEvent", () => {
  it.each([
    ["null", null, "null"],
    ["an array", [EXAMPLES.dispense], "an array"],
    ["a number", 42, "a number"],
    ["a string", "dispense", "a string"],
  ])("rejects %s: the payload must be an object", (_, value, received) => {
    expectRejected(() => parseEvent(value), {
      reason: "schema",
      path: "",
      says: ["expected an object", `received ${received}`],
    });
    expectRejected(() => parseEvent(value), {
      reason: "schema",
      says: [`must be a JSON object, got ${received}`],
    });
  });

  it("rejects an event without kind, listing the kinds", () => {
    expectRejected(() => parseEvent(variant("dispense", { kind: undefined })), {
      reason: "unknown_kind",
      path: "kind",
      says: ["missing", "expected one of dispense, dispense_refused, restock"],
    });
  });

  it.each(["vend", "Dispense", "constructor", "__proto__", "toString"])(
    "rejects unknown kind %j without crashing",
    (kind) => {
      expectRejected(() => parseEvent(variant("dispense", { kind })), {
        reason: "unknown_kind",
        path: "kind",
        says: [`unknown kind ${JSON.stringify(kind)}`, "expected one of dispense,"],
      });
    },
  );

  it("rejects a kind that is not a string", () => {
    expectRejected(() => parseEvent(variant("dispense", { kind: 7 })), {
      reason: "unknown_kind",
      path: "kind",
      says: ["unknown kind 7"],
    });
  });

  it("lists every problem of an event, each with its field", () => {
    const error = expectRejected(
      () => parseEvent(variant("dispense", { quantity: 0, slotId: "a/b", extra: 1 })),
      {
        reason: "schema",
        path: "quantity",
        says: ["must be at least 1"],
      },
    );
    expect(error.problems.map((p) => p.path).sort()).toEqual(["", "quantity", "slotId"]);
  });

  it("returns the parsed event, not the input object", () => {
    const input = structuredClone(EXAMPLES.fault);
    const parsed = parseEvent(input);
    expect(parsed).toEqual(input);
    expect(parsed).not.toBe(input);
  });
});
