import type { Database } from "@hrvend/runtime/db";
import { type Kysely, sql } from "kysely";

/**
 * The service's batches and the CLI's recomputation (after loading estimates) both write the
 * figure tables: one transaction-scoped advisory lock serialises them, so a batch never writes
 * figures from estimates a concurrent load has just replaced.
 */
const FIGURES_LOCK = 0x636f76; // "cov"

export async function lockFigures(trx: Kysely<Database>): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${FIGURES_LOCK})`.execute(trx);
}
