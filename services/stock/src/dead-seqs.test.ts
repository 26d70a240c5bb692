import { describe, expect, it } from "vitest";
import { deadSeqOf } from "./dead-seqs";

const payload = (o: Record<string, unknown>) =>
  JSON.stringify({ v: 1, prisonId: "p1", machineId: "m1", seq: 4, ...o });
const letter = (o: Record<string, unknown>) => ({
  id: "x",
  receivedAt: "2026-03-01T10:00:00.000Z",
  reason: "future_clock",
  message: "…",
  topic: "hr/v1/p1/machine/m1/dispense",
  source: "m1",
  payloadBytes: 100,
  ...o,
});
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

describe("deadSeqOf", () => {
  it("given a machine's rejected event (excerpt as base64), then its source and seq", () => {
    expect(deadSeqOf(letter({ payloadExcerptBase64: b64(payload({})) }))).toEqual({
      machineId: "m1",
      seq: 4,
      reason: "future_clock",
      receivedAt: "2026-03-01T10:00:00.000Z",
    });
  });

  it("given an older dead letter with a text excerpt, or one cut short, then the seq is still read", () => {
    expect(deadSeqOf(letter({ payloadExcerpt: payload({}) }))?.seq).toBe(4);
    const cut = payload({ detail: "x".repeat(2000) }).slice(0, 1024);
    expect(deadSeqOf(letter({ payloadExcerptBase64: b64(cut) }))?.seq).toBe(4);
  });

  it("given a payload naming another machine, then nothing: that seq is not the publisher's", () => {
    expect(deadSeqOf(letter({ payloadExcerptBase64: b64(payload({ machineId: "m2" })) }))).toBeUndefined();
    const cut = payload({ machineId: "m2", detail: "x".repeat(2000) }).slice(0, 300);
    expect(deadSeqOf(letter({ payloadExcerptBase64: b64(cut) }))).toBeUndefined();
  });

  it("given duplicate_seq (the first event with that key is in the stream), then nothing", () => {
    expect(deadSeqOf(letter({ reason: "duplicate_seq", payloadExcerpt: payload({}) }))).toBeUndefined();
  });

  it("given no usable seq (none, fractional, zero, huge, not JSON, no source, no excerpt), then nothing", () => {
    for (const p of [
      payload({ seq: undefined }),
      payload({ seq: 4.5 }),
      payload({ seq: 0 }),
      payload({ seq: 2 ** 60 }),
      '{"machineId":"m1","seq":"4"}',
      "{bad",
    ])
      expect(deadSeqOf(letter({ payloadExcerptBase64: b64(p) })), p).toBeUndefined();
    expect(deadSeqOf(letter({ source: null, payloadExcerpt: payload({}) }))).toBeUndefined();
    expect(deadSeqOf(letter({}))).toBeUndefined();
    expect(deadSeqOf(null)).toBeUndefined();
    expect(deadSeqOf("m1:4")).toBeUndefined();
  });
});
