import { describe, expect, it } from "vitest";
import { type QuotaMemory, QuotaPolicy } from "./quota-policy";

const DAY = 86_400_000;
const t0 = Date.parse("2026-01-05T08:00:00Z");

describe("QuotaPolicy (2 syringe kits per card per rolling week)", () => {
  const policy = new QuotaPolicy([{ itemId: "syringe-kit", max: 2, windowDays: 7 }]);

  it("given two kits this week, when asking for a third, then it is refused", () => {
    const card: QuotaMemory = {};
    expect(policy.check(card, "syringe-kit", t0).allowed).toBe(true);
    policy.record(card, "syringe-kit", t0);
    expect(policy.check(card, "syringe-kit", t0 + DAY).allowed).toBe(true);
    policy.record(card, "syringe-kit", t0 + DAY);
    expect(policy.check(card, "syringe-kit", t0 + 2 * DAY)).toEqual({ allowed: false, used: 2, max: 2 });
  });

  it("given the first kit leaves the window, when asking again, then it is allowed (rolling, not calendar week)", () => {
    const card: QuotaMemory = {};
    policy.record(card, "syringe-kit", t0);
    policy.record(card, "syringe-kit", t0 + DAY);
    expect(policy.check(card, "syringe-kit", t0 + 7 * DAY - 1).allowed).toBe(false);
    expect(policy.check(card, "syringe-kit", t0 + 7 * DAY).allowed).toBe(true);
    expect(policy.check(card, "syringe-kit", t0 + 7 * DAY).used).toBe(1);
  });

  it("given refusals, then they do not count against the quota (only dispenses are recorded)", () => {
    const card: QuotaMemory = {};
    policy.record(card, "syringe-kit", t0);
    policy.record(card, "syringe-kit", t0);
    for (let i = 0; i < 5; i++) policy.check(card, "syringe-kit", t0 + i * 1000);
    expect(policy.check(card, "syringe-kit", t0 + 7 * DAY).allowed).toBe(true);
  });

  it("given an item without a quota or another card, then it is allowed", () => {
    const card: QuotaMemory = {};
    policy.record(card, "syringe-kit", t0);
    policy.record(card, "syringe-kit", t0);
    expect(policy.check(card, "naloxone-nasal", t0)).toEqual({ allowed: true, used: 0, max: undefined });
    expect(policy.check({}, "syringe-kit", t0).allowed).toBe(true);
  });
});
