import { addressOf, DeadLetter, EXAMPLES, mqttTopic, storableText } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { deadLetter } from "../adapters/dead-letter";
import { admit } from "./admit";

/** A raw card UID as a broken or hostile machine might send it. */
const SECRET = "A1B2C3D4E5F6";
const now = new Date("2025-03-14T08:00:00Z");
const ctx = { now, maxClockSkewMs: 300_000, isKnownMachine: () => true };
const dispense = EXAMPLES.dispense;
const topic = mqttTopic(addressOf(dispense));
const json = (patch: Record<string, unknown>) => JSON.stringify({ ...dispense, ...patch });
const other = mqttTopic({ ...addressOf(dispense), sourceId: "md-branesti-m2" });

describe("dead letters never echo payload secrets", () => {
  it.each([
    ["broken JSON around the UID", topic, `{"kind":"dispense","cardToken":'${SECRET}'}`],
    ["broken JSON cut after the UID", topic, `{"kind":"dispense","cardToken":"${SECRET}`],
    ["the UID as a wrong-format token", topic, json({ cardToken: SECRET })],
    ["the UID as an id", topic, json({ slotId: `${SECRET}.1` })],
    ["the UID as a field name", topic, json({ [SECRET]: "x" })],
    ["the UID as the kind", topic, json({ kind: SECRET })],
    ["the UID beside a NUL", topic, json({ lotId: `${SECRET}\u0000` })],
    ["the UID in a huge string", topic, json({ lotId: SECRET.repeat(2_000) })],
    ["the UID as the machine of another machine's topic", other, json({ machineId: `m${SECRET}` })],
    ["the UID in a future device time", topic, json({ deviceTime: "2025-03-14T09:00:00Z", lotId: SECRET })],
    ["the UID as a date", topic, json({ deviceTime: SECRET })],
    ["the UID as a number", topic, json({ quantity: Number.parseInt(SECRET, 16) })],
  ])("%s: rejected with a reason free of it, its bytes kept only as the excerpt", (_, t, text) => {
    const payload = Buffer.from(text);
    const v = admit(t, payload, ctx);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    const decimal = String(Number.parseInt(SECRET, 16));
    expect(v.message).not.toContain(SECRET);
    expect(v.message).not.toContain(decimal);
    const dl = DeadLetter.parse(deadLetter(t, payload, v.reason, v.message, now));
    const { payloadExcerptBase64, ...texts } = dl;
    expect(JSON.stringify(texts)).not.toContain(SECRET);
    expect(JSON.stringify(texts)).not.toContain(decimal);
    // The bytes stay inspectable (by operators, from the dead-letter table), exactly as sent.
    expect(Buffer.from(payloadExcerptBase64!, "base64")).toEqual(payload.subarray(0, 1024));
  });

  it("keeps an excerpt with NUL bytes and invalid UTF-8 byte for byte, and texts PostgreSQL can store", () => {
    const payload = Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0x7d]);
    const dl = deadLetter("hr/v1/p\u0000/m\ud800/x", payload, "malformed_json", "bad\u0000", now);
    expect(Buffer.from(dl.payloadExcerptBase64!, "base64")).toEqual(payload);
    for (const text of [dl.message, dl.topic ?? "", dl.source ?? ""]) {
      expect(text).not.toContain("\u0000");
      expect(text).toBe(storableText(text));
      expect(/[\ud800-\udfff]/u.test(text)).toBe(false);
    }
  });
});
