import { sql } from "kysely";
import type { CoverageDb } from "./db";

/**
 * The service's batches and the CLI's recomputation (after loading estimates) both write the
 * figure tables: one transaction-scoped advisory lock serialises them, so a batch never writes
 * figures from estimates a concurrent load has just replaced.
 */
const FIGURES_LOCK = 0x636f76; // "cov"

export async function lockFigures(trx: CoverageDb): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${FIGURES_LOCK})`.execute(trx);
}
