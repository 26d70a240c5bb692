import { InvalidParameterError } from "./errors";

export interface MaxMinParams {
  /** Days between reading stock for a visit and the visit (the outreach lead time). */
  leadTimeDays: number;
  /** Days between outreach visits to the prison. */
  reviewIntervalDays: number;
  /** Service factor of the safety stock (1.65 ≈ 95 % cycle service level under normal demand). */
  z?: number;
}

/** Max-min levels of a slot, in whole units, with the figures they come from. */
export interface MaxMin {
  safetyStock: number;
  /** Before rounding and capping. */
  minExact: number;
  maxExact: number;
  /** Whole units, rounded up, at most the slot capacity. */
  min: number;
  max: number;
  /** Max was cut to capacity: the slot cannot hold a full review interval of demand. */
  capped: boolean;
}

export const DEFAULT_Z = 1.65;
const EPS = 1e-9;

/**
 * MSH max-min (docs/domain.md): Min = demand × lead time + safety stock, with safety stock =
 * z·σ·√(lead time); Max = Min + demand × review interval; neither above slot capacity.
 * Both round up to whole units so that the safety stock is never less than z·σ·√L.
 */
export function maxMin(
  demand: { averageDaily: number; sigmaDaily: number },
  capacity: number,
  params: MaxMinParams,
): MaxMin {
  const z = params.z ?? DEFAULT_Z;
  const { leadTimeDays: lead, reviewIntervalDays: review } = params;
  if (!(lead >= 0) || !(review >= 0) || !(z >= 0) || !(capacity >= 0))
    throw new InvalidParameterError("max-min needs lead time, review interval, z and capacity ≥ 0", {
      ...params,
      capacity,
    });
  if (!(demand.averageDaily >= 0) || !(demand.sigmaDaily >= 0))
    throw new InvalidParameterError("max-min needs demand and σ ≥ 0", { ...demand });
  const safetyStock = z * demand.sigmaDaily * Math.sqrt(lead);
  const minExact = demand.averageDaily * lead + safetyStock;
  const maxExact = minExact + demand.averageDaily * review;
  const roundUp = (x: number) => Math.max(0, Math.ceil(x - EPS));
  const max = Math.min(capacity, roundUp(maxExact));
  return {
    safetyStock,
    minExact,
    maxExact,
    min: Math.min(capacity, roundUp(minExact)),
    max,
    capped: roundUp(maxExact) > capacity,
  };
}
