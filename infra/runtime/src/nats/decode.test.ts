import { describe, expect, it } from "vitest";
import { decodeEvent, decodeEvents, decodeJson } from "./decode";

const msg = (s: string | Uint8Array) => ({ data: typeof s === "string" ? new TextEncoder().encode(s) : s });

describe("decoding stream messages", () => {
  it("gives back the JSON a publisher sent, non-ASCII included", () => {
    expect(decodeJson(msg('{"a":"Chișinău","n":1}'))).toEqual({ a: "Chișinău", n: 1 });
  });
  it("reads only the message's own bytes when its data is a view into a larger buffer", () => {
    const whole = new TextEncoder().encode('xx{"kind":"heartbeat"}yy');
    expect(decodeEvent(msg(whole.subarray(2, whole.length - 2)))).toEqual({ kind: "heartbeat" });
  });
  it("throws a SyntaxError (poison) for data that is not JSON, and for invalid UTF-8 inside JSON syntax", () => {
    expect(() => decodeJson(msg("not json"))).toThrow(SyntaxError);
    expect(() => decodeJson(msg(new Uint8Array([0x7b, 0xff, 0x7d])))).toThrow(SyntaxError);
  });
  it("with strictUtf8, refuses invalid UTF-8 even inside a JSON string (a TypeError: poison)", () => {
    const bad = new Uint8Array([0x22, 0x61, 0xc3, 0x28, 0x22]); // "a\xC3(" — a broken two-byte sequence
    expect(decodeJson(msg(bad))).toBe("a\uFFFD(");
    expect(() => decodeJson(msg(bad), { strictUtf8: true })).toThrow(TypeError);
  });
  it("decodes a batch in order", () => {
    expect(
      decodeEvents([msg('{"seq":1}'), msg('{"seq":2}')]).map((e) => (e as unknown as { seq: number }).seq),
    ).toEqual([1, 2]);
  });
});
