import { type PlanningParams, planPrison, type RestockPlan } from "./domain";
import { type AnyDb, reorderDb } from "./store/db";
import { loadSnapshot, savePlanning } from "./store/planning";

export type RecomputeOutcome =
  | { status: "planned"; plan: RestockPlan; revision: string }
  /** No time zone (ref_prison not seen yet) or no event: nothing to plan from. */
  | { status: "not_ready" };

/**
 * Recomputes one prison's slot parameters and next-visit plan from the service's tables and
 * stores them, in one repeatable-read transaction: one consistent snapshot, written with the
 * revision it was read at. Batches keep committing meanwhile; the next recompute catches up.
 */
export async function recomputePrison(
  db: AnyDb,
  prisonId: string,
  params: PlanningParams,
): Promise<RecomputeOutcome> {
  return reorderDb(db)
    .transaction()
    .setIsolationLevel("repeatable read")
    .execute(async (trx) => {
      const snap = await loadSnapshot(trx, prisonId, params.windowDays);
      if (snap === null) return { status: "not_ready" } as const;
      const { plan, slots } = planPrison(snap.snapshot, params);
      await savePlanning(trx, prisonId, params, snap.revision, plan, slots);
      return { status: "planned", plan, revision: snap.revision } as const;
    });
}
