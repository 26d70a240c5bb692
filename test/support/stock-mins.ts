import type { Database } from "@hrvend/runtime/db";
import { natsServers } from "@hrvend/runtime/nats";
import { connect as natsConnect } from "@nats-io/transport-node";
import { type Kysely, sql } from "kysely";

/** The stock service's Min refresh (slotMins of @hrvend/reorder/read, services/reorder/src/store/reads.ts), recognised by its text alone. */
const REFRESH_QUERY = String.raw`^\s*SELECT\s+machine_id,\s*slot_id,\s*min\s+FROM\s+reorder\.slot_parameters\s*$`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits, without reading the stock service's code or sleeping for a guessed time, until the
 * running stock service has judged low stock against the reorder service's final Mins:
 *
 * 1. holds `reorder.slot_parameters` in an ACCESS EXCLUSIVE lock (after the pipeline settled, so
 *    reorder has written its last Mins; a reorder write waiting on the lock is an error) until
 *    the service's own timer sends its Min refresh, seen waiting on the lock in pg_stat_activity;
 * 2. releases the lock and waits until that refresh has returned: it read the final Mins;
 * 3. waits for two rounds of the service's live timer after that, seen on NATS as the
 *    consumer-info request each round begins with (services/stock/src/live-partitions.ts): the
 *    second begins only once the first, which started after the refresh, has judged every
 *    machine believed online (tickMachines). A machine believed offline is judged at its next
 *    event only; the reconciliation leaves those out.
 *
 * Throws if the Mins changed meanwhile. Needs the admin connection (pg_stat_activity, LOCK).
 */
export async function stockJudgedFinalMins(opts: {
  db: Kysely<Database>;
  natsUrl: string;
  stream?: string;
  consumer?: string;
  timeoutMs?: number;
}): Promise<{ refreshes: number; ticks: number }> {
  const { db } = opts;
  const timeoutMs = opts.timeoutMs ?? 240_000;
  const deadline = Date.now() + timeoutMs;
  const nc = await natsConnect({ servers: natsServers(opts.natsUrl) });
  const ticks: number[] = [];
  const sub = nc.subscribe(`$JS.API.CONSUMER.INFO.${opts.stream ?? "HR_EVENTS"}.${opts.consumer ?? "stock"}`);
  void (async () => {
    for await (const _ of sub) ticks.push(Date.now());
  })();
  await nc.flush();
  try {
    const mins = async (q: Kysely<Database>) =>
      (
        await sql<{ m: string }>`
          SELECT string_agg(machine_id || '/' || slot_id || '=' || min || '@' || revision, ',' ORDER BY machine_id, slot_id) AS m
          FROM reorder.slot_parameters`.execute(q)
      ).rows[0]?.m ?? "";
    // 1–2: the service's own refresh, blocked behind our lock, then let through.
    const { pids, locked } = await db.transaction().execute(async (trx) => {
      await sql`LOCK TABLE reorder.slot_parameters IN ACCESS EXCLUSIVE MODE`.execute(trx);
      const locked = await mins(trx);
      for (;;) {
        const waiting = await sql<{ pid: number; query: string; refresh: boolean }>`
          SELECT pid, query, query ~ ${REFRESH_QUERY} AS refresh FROM pg_stat_activity
          WHERE state = 'active' AND wait_event_type = 'Lock' AND query ILIKE '%reorder.slot_parameters%'`.execute(
          db,
        );
        const other = waiting.rows.find((r) => !r.refresh);
        if (other !== undefined)
          throw new Error(`reorder.slot_parameters is still being used: ${other.query.trim().slice(0, 200)}`);
        if (waiting.rows.length > 0) return { pids: waiting.rows.map((r) => r.pid), locked };
        if (Date.now() > deadline)
          throw new Error(`the stock service did not refresh its Mins within ${timeoutMs / 1000} s`);
        await sleep(100);
      }
    });
    for (;;) {
      const busy = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE pid = ANY(${pids}) AND state = 'active' AND query ~ ${REFRESH_QUERY}`.execute(db);
      if (busy.rows[0]?.n === 0) break;
      if (Date.now() > deadline) throw new Error("the stock service's Min refresh did not return");
      await sleep(50);
    }
    const refreshed = Date.now();
    // 3: a whole round of the live timer that began after the refresh.
    while (ticks.filter((t) => t > refreshed).length < 2) {
      if (Date.now() > deadline)
        throw new Error(
          `the stock service's live timer did not run twice within ${timeoutMs / 1000} s of its Min refresh`,
        );
      await sleep(200);
    }
    if ((await mins(db)) !== locked) throw new Error("the reorder service changed its Mins meanwhile");
    return { refreshes: pids.length, ticks: ticks.filter((t) => t > refreshed).length };
  } finally {
    await nc.close();
  }
}
