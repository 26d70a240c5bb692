import { sql } from "kysely";
import type { AnyDb } from "./store/db";

/**
 * What other workspaces (the CLI) read of the notifier, in one place: the operators' view of its
 * outbox (`reporting.notifier_outbox()`, migration 0021: counts only, never an address or a text).
 */

/** Messages in the outbox by status, in status order; fails where the notifier's schema is absent. */
export async function outboxByStatus(db: AnyDb): Promise<{ status: string; messages: number }[]> {
  const r = await sql<{ status: string; n: string }>`
    SELECT status, sum(messages) AS n FROM reporting.notifier_outbox() GROUP BY status ORDER BY status`.execute(
    db,
  );
  return r.rows.map((x) => ({ status: x.status, messages: Number(x.n) }));
}
