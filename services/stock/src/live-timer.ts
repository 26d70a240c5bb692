import type { Database } from "@hrvend/runtime/db";
import type { Kysely } from "kysely";
import type { AlertPublisher } from "./alert-publisher";
import { type AnnounceDeps, announce, type BatchResult } from "./announce";
import { type AlertPolicy, liveTick } from "./domain";
import type { LivePartitions } from "./live-partitions";
import { sendReminders } from "./reminders";
import { applyAlerts } from "./store/alerts";
import { stockDb } from "./store/db";
import { insertLevelChanges } from "./store/level-changes";
import { allMachines, loadMachines, saveMachines } from "./store/machines";
import { loadCatalog } from "./store/reference";
import { insertGaps } from "./store/seq-gaps";

export interface LiveTimerDeps extends AnnounceDeps {
  db: Kysely<Database>;
  publisher: AlertPublisher;
  policy: AlertPolicy;
  gapBoundMs: number;
  live: LivePartitions;
  /** Whether this instance owns the prison (its partition's consumer). */
  owns: (prisonId: string) => boolean;
  tickSeconds: number;
  reminderMinutes: number;
}

/**
 * The live timer (service clock; never while a partition replays its backlog, whose times lie in
 * the past): silence and lot expiry, gaps held past the bound, reminders. Each instance does it
 * for the prisons it owns. Returns the function that stops it.
 */
export function startLiveTimer(deps: LiveTimerDeps): () => void {
  let ticking = false;
  const timer = setInterval(async () => {
    if (ticking) return;
    ticking = true;
    try {
      await deps.live.refresh();
      const owns = (prisonId: string) => deps.owns(prisonId) && deps.live.isLive(prisonId);
      const now = new Date().toISOString();
      await announce(deps, await tickMachines(deps.db, now, deps.policy, deps.gapBoundMs, owns), now);
      await sendReminders(
        { db: stockDb(deps.db), publisher: deps.publisher, reminderMinutes: deps.reminderMinutes },
        now,
        owns,
      );
    } catch (err) {
      deps.log.warn({ err }, "live timer failed; next round will retry");
    } finally {
      ticking = false;
    }
  }, deps.tickSeconds * 1000);
  return () => clearInterval(timer);
}

/**
 * The live timer's pass over the machines of the prisons this instance owns (see liveTick):
 * each machine that needs it in its own short transaction, under its row lock, so the
 * consumers wait for at most one machine's work.
 */
export async function tickMachines(
  db: Kysely<Database>,
  now: string,
  policy: AlertPolicy,
  gapBoundMs: number,
  owns: (prisonId: string) => boolean,
): Promise<BatchResult> {
  const all = await allMachines(stockDb(db));
  const result: BatchResult = { alerts: [], acks: [], levelChanges: 0, duplicates: 0, skipped: [] };
  for (const row of all) {
    if (row.prisonId === null || !owns(row.prisonId)) continue;
    // A first look without the lock: most machines need nothing.
    if (!liveTick(row.stored, now, policy, gapBoundMs).changed) continue;
    const r = await db.transaction().execute(async (trx) => {
      const s = stockDb(trx);
      const stored = (await loadMachines(s, [row.machineId])).get(row.machineId)?.stored;
      if (stored === undefined) return undefined;
      const catalog = await loadCatalog(s);
      const t = liveTick(stored, now, policy, gapBoundMs, catalog);
      if (!t.changed) return undefined;
      const next = { machine: t.state, order: t.order };
      await saveMachines(s, [{ next, prev: stored }]);
      await insertLevelChanges(s, t.levelChanges);
      const skipped = t.skipped.map((g) => ({ ...g, machineId: row.machineId }));
      await insertGaps(s, skipped, () => next.machine.prisonId, now);
      const alerts = await applyAlerts(s, t.alerts);
      return { alerts, levelChanges: t.levelChanges.length, skipped };
    });
    if (r === undefined) continue;
    result.alerts.push(...r.alerts);
    result.levelChanges += r.levelChanges;
    result.skipped.push(...r.skipped);
  }
  return result;
}
