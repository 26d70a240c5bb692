import { EXAMPLES } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { readBatch } from "./consume";

const msg = (subject: string, body: unknown) => ({
  subject,
  data: new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body)),
});
const hb = (deviceTime: string, prisonId = "p1") =>
  msg(`hr.v1.${prisonId}.m1.heartbeat`, { ...EXAMPLES.heartbeat, prisonId, deviceTime });

describe("reading a batch", () => {
  it("given heartbeats, then each gives its prison and device time unparsed, and the other events are decoded in order", () => {
    const d = { ...EXAMPLES.dispense, prisonId: "p2" };
    const r = readBatch([
      hb("2026-03-02T08:00:00Z"),
      msg("hr.v1.p2.m1.dispense", d),
      hb("2026-03-02T10:00:00+02:00", "p3"),
      msg("hr.v1.p2.m1.dispense.1", d),
    ]);
    expect(r.clock).toEqual([
      { prisonId: "p1", time: "2026-03-02T08:00:00Z" },
      { prisonId: "p3", time: "2026-03-02T10:00:00+02:00" },
    ]);
    expect(r.events).toEqual([d, d]);
  });
  it("given a heartbeat whose time is not plainly readable, then it is decoded whole (its time is the parsed one)", () => {
    const escaped = `{"v":1,"kind":"heartbeat","prisonId":"p1","deviceTime":"2026-03-02T08\\u003a00:00Z"}`;
    const r = readBatch([msg("hr.v1.p1.m1.heartbeat", escaped)]);
    expect(r.clock).toEqual([]);
    expect(r.events).toEqual([JSON.parse(escaped)]);
  });
  it("given a heartbeat that is not JSON and has no readable time, then it fails as before (SyntaxError: parked as poison)", () => {
    expect(() => readBatch([msg("hr.v1.p1.m1.heartbeat", '{"v":1,"deviceTime":2026')])).toThrow(SyntaxError);
  });
  it("given a message without a subject (a parked one re-applied without it), then it is decoded", () => {
    const r = readBatch([{ data: new TextEncoder().encode(JSON.stringify(EXAMPLES.heartbeat)) }]);
    expect(r.events).toEqual([EXAMPLES.heartbeat]);
  });
});
