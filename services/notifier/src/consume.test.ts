import { describe, expect, it } from "vitest";
import { readAlertMessage } from "./consume";

const bytes = (s: string) => ({ data: new TextEncoder().encode(s) });

describe("reading an alert message", () => {
  it("given bytes that are not JSON, then it is not read, and the reason says so without quoting them", () => {
    expect(readAlertMessage(bytes("{not json A1B2C3"))).toEqual({ ok: false, reason: "not UTF-8 JSON" });
  });

  it("given JSON with invalid UTF-8 inside a string, then it is not read (never decoded leniently)", () => {
    const broken = new Uint8Array([
      ...new TextEncoder().encode('{"kind":"a'),
      0xc3,
      0x28,
      ...new TextEncoder().encode('"}'),
    ]);
    expect(readAlertMessage({ data: broken })).toEqual({ ok: false, reason: "not UTF-8 JSON" });
  });

  it("given JSON that is not an alert step, then the reason names what is wrong", () => {
    const r = readAlertMessage(bytes(JSON.stringify({ kind: "nothing" })));
    expect(r.ok).toBe(false);
    expect(r.ok ? "" : r.reason).toMatch(/^not an alert message: /);
  });
});
