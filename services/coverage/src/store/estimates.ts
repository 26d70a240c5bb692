import { sql } from "kysely";
import type { EstimatesFile } from "../domain";
import type { CoverageDb } from "./db";

/**
 * Stores prevalence estimates and suppression thresholds (upsert on prison and effective date),
 * inside the caller's transaction; a row without a source (its own or the file's) is refused.
 */
export async function saveEstimates(trx: CoverageDb, file: EstimatesFile): Promise<void> {
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
}
