import { describe, expect, it } from "vitest";
import { ScenarioError } from "../errors";
import { loadScenario } from "../scenario/load-scenario";
import { DemandProfile, HOURS_PER_WEEK } from "./demand-profile";

const flat = Array.from({ length: 24 }, () => 1);
const week = [1, 1, 1, 1, 1, 1, 1];

describe("DemandProfile", () => {
  it("given any shape, then weights average 1 over the week", () => {
    const p = new DemandProfile(loadScenario("pilot").scenario.usage);
    const sum = p.weights.reduce((a, b) => a + b, 0);
    expect(sum / HOURS_PER_WEEK).toBeCloseTo(1, 9);
  });

  it("given a target out-of-hours share, then that share of the weight falls out of hours", () => {
    for (const share of [0.2, 0.6, 0.69]) {
      const p = new DemandProfile({
        diurnal: flat,
        weekly: week,
        staffedHours: { start: 9, end: 17, weekdaysOnly: true },
        outOfHoursShare: share,
      });
      let out = 0;
      for (let h = 0; h < HOURS_PER_WEEK; h++) if (p.isOutOfHours(h)) out += p.weightAt(h);
      expect(out / HOURS_PER_WEEK).toBeCloseTo(share, 9);
    }
  });

  it("keeps the diurnal and weekly pattern within in-hours and out-of-hours", () => {
    const p = new DemandProfile(loadScenario("pilot").scenario.usage);
    // Cells are locked at night: no use at 02:00; evenings busier than early mornings.
    expect(p.weightAt(2)).toBe(0);
    expect(p.weightAt(18)).toBeGreaterThan(p.weightAt(6));
    // Saturday 18:00 vs Monday 18:00 follow the weekly weights (1.2 vs 1.0), both out of hours.
    expect(p.weightAt(5 * 24 + 18) / p.weightAt(18)).toBeCloseTo(1.2, 9);
    expect(p.max).toBe(Math.max(...p.weights));
  });

  it("given staffed hours across midnight, then the wrap is handled", () => {
    const p = new DemandProfile({
      diurnal: flat,
      weekly: week,
      staffedHours: { start: 22, end: 6, weekdaysOnly: false },
      outOfHoursShare: 0.5,
    });
    expect(p.isOutOfHours(23)).toBe(false);
    expect(p.isOutOfHours(3)).toBe(false);
    expect(p.isOutOfHours(12)).toBe(true);
  });

  it("given a share the pattern cannot produce, then it says why", () => {
    const dayOnly = flat.map((_, h) => (h >= 9 && h < 17 ? 1 : 0));
    expect(
      () =>
        new DemandProfile({
          diurnal: dayOnly,
          weekly: [1, 1, 1, 1, 1, 0, 0],
          staffedHours: { start: 9, end: 17, weekdaysOnly: true },
          outOfHoursShare: 0.5,
        }),
    ).toThrow(ScenarioError);
  });
});
