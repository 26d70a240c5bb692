import type { Database } from "@hrvend/runtime/db";
import { type Kysely, sql } from "kysely";
import type { EstimatesFile } from "../domain";
import { refreshFigures, republish } from "./figures-store";
import { lockFigures } from "./lock";

/**
 * Stores prevalence estimates and suppression thresholds (upsert on prison and effective date)
 * and recomputes every figure and its publication in the same transaction, so no figure is
 * ever shown with an estimate other than the one it names.
 */
export async function saveConfig(
  db: Kysely<Database>,
  file: EstimatesFile,
): Promise<{ estimates: number; thresholds: number; figures: number }> {
  return db.transaction().execute(async (trx) => {
    await lockFigures(trx);
    for (const e of file.estimates) {
      const source = e.source ?? file.source;
      if (!source) throw new Error(`estimate for ${e.prisonId} from ${e.effectiveFrom} has no source`);
      await sql`
        INSERT INTO coverage.estimate (prison_id, effective_from, injecting_prevalence, opioid_dependence_prevalence, source)
        VALUES (${e.prisonId}, ${e.effectiveFrom}, ${e.injectingPrevalence}, ${e.opioidDependencePrevalence}, ${source})
        ON CONFLICT (prison_id, effective_from) DO UPDATE SET injecting_prevalence = excluded.injecting_prevalence,
          opioid_dependence_prevalence = excluded.opioid_dependence_prevalence, source = excluded.source,
          loaded_at = now()`.execute(trx);
    }
    for (const s of file.suppression) {
      const source = s.source ?? file.source;
      if (!source) throw new Error(`threshold from ${s.effectiveFrom} has no source`);
      await sql`
        INSERT INTO coverage.suppression_setting (effective_from, threshold, source)
        VALUES (${s.effectiveFrom}, ${s.threshold}, ${source})
        ON CONFLICT (effective_from) DO UPDATE SET threshold = excluded.threshold, source = excluded.source,
          loaded_at = now()`.execute(trx);
    }
    const figures = await refreshFigures(trx, "all");
    await republish(trx);
    return { estimates: file.estimates.length, thresholds: file.suppression.length, figures };
  });
}
