import { addressOf, EXAMPLES, type HrEvent, mqttTopic } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { admit } from "./admit";

const now = new Date("2025-03-14T08:00:00Z");
const ctx = {
  now,
  maxClockSkewMs: 300_000,
  isKnownMachine: (p: string, m: string) => p === "md-branesti" && m === "md-branesti-m1",
};
const bytes = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v));
const dispense = EXAMPLES.dispense;
const topic = mqttTopic(addressOf(dispense));

describe("admit", () => {
  it("given a valid event on its own topic, when admitted, then it goes to its subject with its key", () => {
    const v = admit(topic, bytes(dispense), ctx);
    expect(v).toMatchObject({
      ok: true,
      subject: "hr.v1.md-branesti.md-branesti-m1.dispense",
      key: "md-branesti-m1:1042",
    });
  });

  it("given a payload naming another machine than its topic, then it is rejected as topic_mismatch", () => {
    const v = admit("hr/v1/md-branesti/md-branesti-m2/dispense", bytes(dispense), ctx);
    expect(v).toMatchObject({ ok: false, reason: "topic_mismatch" });
    expect(!v.ok && v.message).toContain("sourceId in the payload differs from the topic's 'md-branesti-m2'");
  });

  it("given a kind differing from the topic's, then it is rejected as topic_mismatch", () => {
    const v = admit("hr/v1/md-branesti/md-branesti-m1/heartbeat", bytes(dispense), ctx);
    expect(v).toMatchObject({ ok: false, reason: "topic_mismatch" });
  });

  it("given a device clock 10 minutes ahead, then it is rejected as future_clock; a day-old replay is fine", () => {
    const ahead = { ...dispense, deviceTime: "2025-03-14T08:10:00Z" };
    expect(admit(topic, bytes(ahead), ctx)).toMatchObject({ ok: false, reason: "future_clock" });
    const old = { ...dispense, deviceTime: "2025-03-13T08:00:00Z" };
    expect(admit(topic, bytes(old), ctx)).toMatchObject({ ok: true });
  });

  it("given a machine the registry does not know in that prison, then it is rejected as unknown_machine", () => {
    const v = admit(topic, bytes(dispense), { ...ctx, isKnownMachine: () => false });
    expect(v).toMatchObject({ ok: false, reason: "unknown_machine" });
  });

  it("given office events (census, registry), then no machine registration is required", () => {
    for (const e of [EXAMPLES.census, EXAMPLES.ref_machine, EXAMPLES.oat] as HrEvent[]) {
      expect(admit(mqttTopic(addressOf(e)), bytes(e), { ...ctx, isKnownMachine: () => false }).ok).toBe(true);
    }
  });

  it.each([
    ["malformed JSON", topic, "{not json", "malformed_json"],
    ["schema violation", topic, { ...dispense, quantity: -1 }, "schema"],
    ["unknown kind in the topic", "hr/v1/md-branesti/md-branesti-m1/teleport", dispense, "bad_topic"],
    ["wrong topic shape", "hr/v1/md-branesti/dispense", dispense, "bad_topic"],
    ["oversize payload", topic, "x".repeat(20_000), "oversize"],
  ])("given %s, then it is rejected with reason %s", (_name, t, payload, reason) => {
    expect(admit(t as string, bytes(payload), ctx)).toMatchObject({ ok: false, reason: reason as string });
  });
});
