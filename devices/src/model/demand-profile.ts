import { ScenarioError } from "../errors";

export interface DemandShape {
  /** Relative use by local hour, 24 values. */
  diurnal: readonly number[];
  /** Relative use by weekday, 7 values, Monday first. */
  weekly: readonly number[];
  staffedHours: { start: number; end: number; weekdaysOnly: boolean };
  /** Target share of use outside staffed hours. */
  outOfHoursShare: number;
}

export const HOURS_PER_WEEK = 168;

/**
 * When in the week card holders come to a machine: a weight per local hour of the week with
 * mean 1, so a person with personal rate λ visits at λ·w(h) per week-hour. The diurnal and weekly
 * shapes set the relative pattern; in-hours and out-of-hours weights are then rescaled so the
 * out-of-hours share of visits equals the scenario's target.
 */
export class DemandProfile {
  readonly weights: Float64Array;
  readonly outOfHours: boolean[];
  readonly max: number;

  constructor(shape: DemandShape) {
    const base = new Float64Array(HOURS_PER_WEEK);
    this.outOfHours = [];
    let sumIn = 0;
    let sumOut = 0;
    for (let h = 0; h < HOURS_PER_WEEK; h++) {
      const day = Math.floor(h / 24);
      const hour = h % 24;
      const w = (shape.weekly[day] ?? 0) * (shape.diurnal[hour] ?? 0);
      base[h] = w;
      const ooh = !isStaffed(shape.staffedHours, day, hour);
      this.outOfHours.push(ooh);
      if (ooh) sumOut += w;
      else sumIn += w;
    }
    const share = shape.outOfHoursShare;
    if (sumIn + sumOut <= 0) throw new ScenarioError("usage: diurnal × weekly weights are all zero");
    if (share > 0 && sumOut <= 0)
      throw new ScenarioError("usage: outOfHoursShare > 0 but the pattern has no use out of hours");
    if (share < 1 && sumIn <= 0)
      throw new ScenarioError("usage: outOfHoursShare < 1 but the pattern has no use in staffed hours");
    const scaleOut = sumOut > 0 ? (share * HOURS_PER_WEEK) / sumOut : 0;
    const scaleIn = sumIn > 0 ? ((1 - share) * HOURS_PER_WEEK) / sumIn : 0;
    this.weights = new Float64Array(HOURS_PER_WEEK);
    let max = 0;
    for (let h = 0; h < HOURS_PER_WEEK; h++) {
      const w = (base[h] as number) * (this.outOfHours[h] ? scaleOut : scaleIn);
      this.weights[h] = w;
      if (w > max) max = w;
    }
    this.max = max;
  }

  /** Relative intensity at a local hour of the week (mean over the week = 1). */
  weightAt(hourOfWeek: number): number {
    return this.weights[hourOfWeek] as number;
  }

  isOutOfHours(hourOfWeek: number): boolean {
    return this.outOfHours[hourOfWeek] === true;
  }
}

function isStaffed(s: DemandShape["staffedHours"], day: number, hour: number): boolean {
  if (s.weekdaysOnly && day >= 5) return false;
  if (s.start === s.end) return false;
  return s.start < s.end ? hour >= s.start && hour < s.end : hour >= s.start || hour < s.end;
}
