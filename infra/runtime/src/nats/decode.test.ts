import { describe, expect, it } from "vitest";
import {
  decodeEvent,
  decodeEvents,
  decodeJson,
  peekStringMember,
  subjectKind,
  subjectPrison,
} from "./decode";

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

describe("leaving out the kinds a consumer ignores", () => {
  const at = (subject: string | undefined, text: string) => ({
    ...(subject === undefined ? {} : { subject }),
    data: new TextEncoder().encode(text),
  });
  const ignore = new Set(["heartbeat"] as const);
  it("skips a message by its subject's kind, unpartitioned and partitioned, without reading its data", () => {
    const batch = [
      at("hr.v1.p1.m1.heartbeat", "not json at all"),
      at("hr.v1.p1.m1.dispense", '{"seq":2}'),
      at("hr.v1.p1.m1.heartbeat.3", "{broken"),
      at("hr.v1.p1.m1.dispense.3", '{"seq":4}'),
    ];
    expect(decodeEvents(batch, { ignore }).map((e) => (e as unknown as { seq: number }).seq)).toEqual([2, 4]);
  });
  it("decodes a message without a subject, or whose subject is not an event subject, as before", () => {
    expect(decodeEvents([at(undefined, '{"seq":1}')], { ignore })).toHaveLength(1);
    expect(() => decodeEvents([at("hr.v1.heartbeat", "{")], { ignore })).toThrow(SyntaxError);
    // A kind token that only starts like an ignored kind is not that kind.
    expect(decodeEvents([at("hr.v1.p1.m1.heartbeats", '{"seq":1}')], { ignore })).toHaveLength(1);
  });
  it("reads the kind and the prison tokens of an events subject", () => {
    expect(subjectKind("hr.v1.p1.m1.census")).toBe("census");
    expect(subjectKind("hr.v1.p1.m1.census.12")).toBe("census");
    expect(subjectKind("hr.v1.p1.m1")).toBeUndefined();
    expect(subjectPrison("hr.v1.pz-a.m1.census")).toBe("pz-a");
    expect(subjectPrison("hr.v1")).toBeUndefined();
  });
});

describe("reading one string member from the bytes", () => {
  const peek = (text: string) => peekStringMember(new TextEncoder().encode(text), "deviceTime");
  it("reads a plain top-level string member wherever it stands, with JSON whitespace around the colon", () => {
    expect(peek('{"v":1,"deviceTime":"2026-03-02T08:00:00Z","uptimeS":3}')).toBe("2026-03-02T08:00:00Z");
    expect(peek('{ "deviceTime" :\n\t"2026-03-02T08:00:00+02:00" }')).toBe("2026-03-02T08:00:00+02:00");
  });
  it("gives up (the caller parses) whenever it is not certain", () => {
    // escapes in the value, the name twice, a number, the name only inside another string
    expect(peek('{"deviceTime":"2026-03-02T08\\u003a00:00Z"}')).toBeUndefined();
    expect(peek('{"deviceTime":"2026-01-01T00:00:00Z","deviceTime":"2027-01-01T00:00:00Z"}')).toBeUndefined();
    expect(peek('{"deviceTime":17}')).toBeUndefined();
    expect(
      peek('{"firmware":"x\\"deviceTime\\":\\"2099-01-01T00:00:00Z","deviceTime":"2026-01-01T00:00:00Z"}'),
    ).toBe("2026-01-01T00:00:00Z");
    expect(peek('{"firmware":"a\\"deviceTime":"2099"}')).toBeUndefined();
    expect(peek('{"firmware":"deviceTime"}')).toBeUndefined();
    expect(peek('{"deviceTime":"2026-01-01')).toBeUndefined();
  });
  it("reads a value that is not ASCII as UTF-8", () => {
    expect(peek('{"deviceTime":"Chișinău"}')).toBe("Chișinău");
  });
  it("reads the message's own bytes when its data is a view into a larger buffer", () => {
    const whole = new TextEncoder().encode('"deviceTime":"x"{"deviceTime":"2026-01-01T00:00:00Z"}');
    expect(peekStringMember(whole.subarray(16), "deviceTime")).toBe("2026-01-01T00:00:00Z");
  });
});
