import { describe, expect, it } from "vitest";
import type { AlertState } from "../domain/schedule";
import { renderDigest, renderStep } from "./message";

const alert = (type: string, detail: string): AlertState => ({
  alertId: `md-p1:m1:s1:${type}:1`,
  prisonId: "md-p1",
  machineId: "m1",
  slotId: "s1",
  type,
  detail,
  raisedAt: "2026-01-15T08:12:00Z",
  acknowledgedAt: null,
  clearedAt: null,
  firstNotifiedAt: null,
  escalatedTo: 0,
  reminders: 0,
  ackNotified: false,
  closed: false,
});

// What a hostile or broken machine may put in a fault's free text (up to 200 characters).
const MACHINE_TEXT = "URGENT call +40 700 000 000 <a href=http://evil.example/x>verify</a>\u202e\u0007";
const everything = (r: ReturnType<typeof renderStep>) =>
  `${r.subject}\n${r.body}\n${JSON.stringify(r.payload)}`;

describe("the machine's own words stay out of messages", () => {
  // Faults the machine reports are fault_<code>, its door alarm door_open (stock's alertType.ts).
  it.each([
    ["fault_jam", "en", "dispenser jam"],
    ["fault_card_reader", "en", "card reader fault"],
    ["fault_tamper", "en", "tamper alarm"],
    ["fault_power_loss", "en", "power loss"],
    ["fault_temperature", "en", "temperature sensor fault"],
    ["fault_other", "en", "machine fault"],
    ["door_open", "en", "door left open"],
  ] as const)("%s: the catalogue's words (%s), not the machine's detail", (type, language, words) => {
    for (const kind of ["raised", "escalated", "reminder", "acknowledged", "cleared"] as const) {
      const r = renderStep(alert(type, MACHINE_TEXT), kind, kind, "warning", language, "UTC");
      expect(everything(r)).not.toContain("evil.example");
      expect(everything(r)).not.toContain("+40 700");
      expect(r.payload).not.toHaveProperty("detail");
      expect(r.body).toContain(words);
    }
  });

  it("an alert type the notifier does not know carries no detail either", () => {
    const r = renderStep(alert("fault_new_kind", MACHINE_TEXT), "raised", "raised", "warning", "ro", "UTC");
    expect(everything(r)).not.toContain("evil.example");
    expect(r.body).toContain("fault_new_kind");
  });

  it("nor does the digest that lists held fault messages", () => {
    const r = renderStep(alert("fault_jam", MACHINE_TEXT), "raised", "raised", "warning", "en", "UTC");
    const d = renderDigest(
      [{ stepKey: "k", subject: r.subject, payload: r.payload, createdAt: "2026-01-15T08:13:00Z" }],
      "en",
      "UTC",
    );
    expect(`${d.subject}\n${d.body}\n${JSON.stringify(d.payload)}`).not.toContain("evil.example");
  });

  it("a detail the stock service writes itself (counts, slot, product) is kept", () => {
    const detail = "slot s1 (syringe-kit) holds 2, below its min 5";
    const r = renderStep(alert("low_stock", detail), "raised", "raised", "warning", "en", "UTC");
    expect(r.body).toContain(`Detail: ${detail}`);
    expect(r.payload).toMatchObject({ detail });
  });
});
