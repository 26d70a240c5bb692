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
    const v = admit("hr/v1/md-branesti/machine/md-branesti-m2/dispense", bytes(dispense), ctx);
    expect(v).toMatchObject({ ok: false, reason: "topic_mismatch" });
    expect(!v.ok && v.message).toContain("sourceId in the payload differs from the topic's 'md-branesti-m2'");
  });

  it("given a kind differing from the topic's, then it is rejected as topic_mismatch", () => {
    const v = admit("hr/v1/md-branesti/machine/md-branesti-m1/heartbeat", bytes(dispense), ctx);
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
    ["unknown kind in the topic", "hr/v1/md-branesti/machine/md-branesti-m1/teleport", dispense, "bad_topic"],
    ["wrong topic shape", "hr/v1/md-branesti/dispense", dispense, "bad_topic"],
    [
      "the old topic shape without a type level",
      "hr/v1/md-branesti/md-branesti-m1/dispense",
      dispense,
      "bad_topic",
    ],
    ["oversize payload", topic, "x".repeat(20_000), "oversize"],
  ])("given %s, then it is rejected with reason %s", (_name, t, payload, reason) => {
    expect(admit(t as string, bytes(payload), ctx)).toMatchObject({ ok: false, reason: reason as string });
  });

  describe("source identity", () => {
    const census = EXAMPLES.census;
    const refMachine = EXAMPLES.ref_machine;

    it("given a machine kind under an office's type level, then it is rejected as wrong_source_type naming the legitimate type", () => {
      const v = admit("hr/v1/md-branesti/census_office/md-branesti-m1/dispense", bytes(dispense), ctx);
      expect(v).toMatchObject({ ok: false, reason: "wrong_source_type" });
      expect(!v.ok && v.message).toContain("only a machine source may publish dispense");
    });

    it.each([
      ["census", census],
      ["oat", EXAMPLES.oat],
      ["ref_machine", refMachine],
      ["ref_item", EXAMPLES.ref_item],
      ["ref_prison", EXAMPLES.ref_prison],
    ] as [string, HrEvent][])(
      "given a machine publishing %s at its own machine level, then it is rejected as wrong_source_type",
      (kind, e) => {
        const asMachine = { ...e, sourceId: "md-branesti-m1" };
        const v = admit(`hr/v1/md-branesti/machine/md-branesti-m1/${kind}`, bytes(asMachine), ctx);
        expect(v).toMatchObject({ ok: false, reason: "wrong_source_type" });
      },
    );

    it("given an office kind at the right level from a source id the registry knows as a machine, then it is rejected as wrong_source_type", () => {
      const asMachine = { ...census, sourceId: "md-branesti-m1" };
      const topic = "hr/v1/md-branesti/census_office/md-branesti-m1/census";
      const known = { ...ctx, isMachine: (id: string) => id === "md-branesti-m1" };
      const v = admit(topic, bytes(asMachine), known);
      expect(v).toMatchObject({ ok: false, reason: "wrong_source_type" });
      expect(!v.ok && v.message).toContain("source 'md-branesti-m1' is a registered machine");
      // The same event from a source that is not a machine is an ordinary census.
      expect(admit(topic, bytes(asMachine), ctx)).toMatchObject({ ok: true });
    });

    it("given a ref_machine from a registry source other than the machine's registrar, then it is rejected; the registrar's own is admitted", () => {
      const owned = {
        ...ctx,
        registrarOf: (m: string) => (m === refMachine.machineId ? "md-anp-registry" : undefined),
      };
      const other = { ...refMachine, sourceId: "rogue-registry", prisonId: "md-other" };
      const v = admit("hr/v1/md-other/registry/rogue-registry/ref_machine", bytes(other), owned);
      expect(v).toMatchObject({ ok: false, reason: "wrong_source_type" });
      expect(!v.ok && v.message).toContain("registered by registry source 'md-anp-registry'");
      expect(!v.ok && v.message).not.toContain(refMachine.machineId);
      expect(admit(mqttTopic(addressOf(refMachine)), bytes(refMachine), owned)).toMatchObject({ ok: true });
    });

    it("given a payload naming another prison than its topic, then it is rejected as topic_mismatch", () => {
      const v = admit("hr/v1/md-other/machine/md-branesti-m1/dispense", bytes(dispense), ctx);
      expect(v).toMatchObject({ ok: false, reason: "topic_mismatch" });
    });
  });
});
