import type { Database } from "@hrvend/runtime/db";
import type { Kysely } from "kysely";
import type { EstimatesFile } from "./domain";
import { republish } from "./publish";
import { coverageDb, lockFigures, refreshFigures, saveEstimates } from "./store";

/**
 * Loads prevalence estimates and suppression thresholds (`hrvend coverage estimates`) and
 * recomputes every figure and its publication in the same transaction, so no figure is ever
 * shown with an estimate other than the one it names.
 */
export async function saveConfig(
  db: Kysely<Database>,
  file: EstimatesFile,
): Promise<{ estimates: number; thresholds: number; figures: number }> {
  return coverageDb(db)
    .transaction()
    .execute(async (trx) => {
      await lockFigures(trx);
      await saveEstimates(trx, file);
      const figures = await refreshFigures(trx, "all");
      await republish(trx);
      return { estimates: file.estimates.length, thresholds: file.suppression.length, figures };
    });
}
