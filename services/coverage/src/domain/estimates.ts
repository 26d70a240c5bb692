import { z } from "zod";
import {
  type Estimate,
  type Figure,
  type PeriodCounts,
  PROGRAMME,
  prisonFigure,
  programmeFigure,
} from "./figures";
import { DEFAULT_THRESHOLD } from "./suppress";

/**
 * Configuration with effective dates (the issue: "prevalence estimates and suppression threshold
 * are configuration with effective dates, so a funder can see which estimate a figure used").
 * A period uses the row in force on its last day (latest effective_from ≤ period end); a prison
 * with no configured row falls back to the prevalence its registry (ref_prison) event carries.
 */
export interface EstimateRow {
  estimateId: number;
  prisonId: string;
  effectiveFrom: string;
  injectingPrevalence: number;
  opioidDependencePrevalence: number;
  source: string;
}
export interface RegistryPrevalence {
  prisonId: string;
  injectingPrevalence: number;
  opioidDependencePrevalence: number;
  refKey: string;
}
export interface ThresholdRow {
  effectiveFrom: string;
  threshold: number;
  source: string;
}

export function estimateFor(
  prisonId: string,
  periodEnd: string,
  rows: readonly EstimateRow[],
  registry: RegistryPrevalence | undefined,
): Estimate | null {
  let best: EstimateRow | undefined;
  for (const r of rows)
    if (
      r.prisonId === prisonId &&
      r.effectiveFrom <= periodEnd &&
      (!best || r.effectiveFrom > best.effectiveFrom)
    )
      best = r;
  if (best)
    return {
      estimateId: best.estimateId,
      effectiveFrom: best.effectiveFrom,
      injectingPrevalence: best.injectingPrevalence,
      opioidDependencePrevalence: best.opioidDependencePrevalence,
      source: best.source,
    };
  if (!registry) return null;
  return {
    estimateId: null,
    effectiveFrom: null,
    injectingPrevalence: registry.injectingPrevalence,
    opioidDependencePrevalence: registry.opioidDependencePrevalence,
    source: `registry (ref_prison ${registry.refKey})`,
  };
}

export function thresholdFor(periodEnd: string, rows: readonly ThresholdRow[]): number {
  let best: ThresholdRow | undefined;
  for (const r of rows)
    if (r.effectiveFrom <= periodEnd && (!best || r.effectiveFrom > best.effectiveFrom)) best = r;
  return best?.threshold ?? DEFAULT_THRESHOLD;
}

/** The configuration a period's figures use: estimates, the registry's prevalences, thresholds. */
export interface FigureConfig {
  estimates: EstimateRow[];
  registry: Map<string, RegistryPrevalence>;
  thresholds: ThresholdRow[];
}

/** One period's table: its prisons' figures and the programme's. */
export function periodTable(counts: readonly PeriodCounts[], config: FigureConfig): Figure[] {
  const prisons = counts
    .filter((c) => c.scope !== PROGRAMME)
    .map((c) =>
      prisonFigure(c, estimateFor(c.scope, c.periodEnd, config.estimates, config.registry.get(c.scope))),
    );
  const programme = counts.find((c) => c.scope === PROGRAMME);
  return programme ? [...prisons, programmeFigure(programme, prisons)] : prisons;
}

const prevalence = z.number().min(0).max(1);
const date = z.iso.date();

/** The estimates file `hrvend coverage estimates load` reads (and `--from-scenario` writes). */
export const EstimatesFile = z.strictObject({
  source: z.string().min(1).optional(),
  estimates: z
    .array(
      z.strictObject({
        prisonId: z.string().min(1),
        effectiveFrom: date,
        injectingPrevalence: prevalence,
        opioidDependencePrevalence: prevalence,
        source: z.string().min(1).optional(),
      }),
    )
    .default([]),
  suppression: z
    .array(
      z.strictObject({
        effectiveFrom: date,
        threshold: z.int().min(1).max(100),
        source: z.string().min(1).optional(),
      }),
    )
    .default([]),
});
export type EstimatesFile = z.infer<typeof EstimatesFile>;
