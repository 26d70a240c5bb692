import { sql } from "kysely";
import {
  demandWindow,
  type LevelReading,
  LocalCalendar,
  levelAtStart,
  type PlanningParams,
  type PrisonSnapshot,
  type RestockPlan,
  type SlotParameters,
} from "../domain";
import { type AnyDb, reorderDb, type Trx } from "./db";

/*
 * A recompute's reads and writes (../recompute.ts): one prison's snapshot of the tables in, its
 * slot parameters and next-visit plan out.
 */

/** Prisons with reference data: those a plan can be made for. */
export async function plannablePrisons(db: AnyDb): Promise<string[]> {
  const r = await sql<{ prison_id: string }>`
    SELECT prison_id FROM reorder.prison WHERE time_zone IS NOT NULL AND last_event_at IS NOT NULL ORDER BY prison_id`.execute(
    reorderDb(db),
  );
  return r.rows.map((x) => x.prison_id);
}

export async function loadSnapshot(
  trx: Trx,
  prisonId: string,
  windowDays: number,
): Promise<{ snapshot: PrisonSnapshot; revision: string } | null> {
  const prison = await sql<{ time_zone: string | null; last_event_at: Date | null; revision: string }>`
    SELECT time_zone, last_event_at, revision FROM reorder.prison WHERE prison_id = ${prisonId}`.execute(trx);
  const p = prison.rows[0];
  if (p?.time_zone == null || p.last_event_at === null) return null;
  const timeZone = p.time_zone;
  const asOf = p.last_event_at.getTime();
  const window = demandWindow(timeZone, asOf, windowDays);
  const today = LocalCalendar.for(timeZone).dateOf(asOf);
  const start = new Date(window.start).toISOString();
  const end = new Date(window.end).toISOString();

  const slotRows = await sql<{
    machine_id: string;
    location: string;
    slot_id: string;
    item_id: string;
    capacity: number;
    level: number | null;
    before_level: number | null;
  }>`
    SELECT m.machine_id, m.location, s.slot_id, s.item_id, s.capacity, cur.level, bef.level AS before_level
    FROM reorder.machine m
    JOIN reorder.slot s ON s.machine_id = m.machine_id
    LEFT JOIN LATERAL (
      SELECT level FROM reorder.level_change l
      WHERE l.machine_id = s.machine_id AND l.slot_id = s.slot_id ORDER BY seq DESC LIMIT 1) cur ON true
    LEFT JOIN LATERAL (
      SELECT level FROM reorder.level_change l
      WHERE l.machine_id = s.machine_id AND l.slot_id = s.slot_id AND l.device_time <= ${start}::timestamptz
      ORDER BY device_time DESC, seq DESC LIMIT 1) bef ON true
    WHERE m.prison_id = ${prisonId} AND m.active
    ORDER BY m.machine_id, s.position`.execute(trx);
  const changes = await sql<{
    machine_id: string;
    slot_id: string;
    device_time: Date;
    seq: string;
    level: number;
    delta: number;
  }>`
    SELECT machine_id, slot_id, device_time, seq, level, delta FROM reorder.level_change
    WHERE prison_id = ${prisonId} AND device_time > ${start}::timestamptz AND device_time < ${end}::timestamptz
    ORDER BY device_time, seq`.execute(trx);
  const days = await sql<{ machine_id: string; item_id: string; date: string; quantity: number }>`
    SELECT machine_id, item_id, local_date::text AS date, quantity FROM reorder.dispense_daily
    WHERE prison_id = ${prisonId} AND local_date >= ${window.from}::date AND local_date < ${today}::date`.execute(
    trx,
  );
  const lots = await sql<{
    machine_id: string;
    slot_id: string;
    lot_id: string;
    expiry: string | null;
    quantity: number;
  }>`
    SELECT l.machine_id, l.slot_id, l.lot_id, l.expiry::text AS expiry, l.quantity
    FROM reorder.lot_stock l JOIN reorder.machine m ON m.machine_id = l.machine_id
    WHERE m.prison_id = ${prisonId} AND m.active`.execute(trx);

  const machines = new Map<string, PrisonSnapshot["machines"][number]>();
  for (const r of slotRows.rows) {
    const m = machines.get(r.machine_id) ?? { machineId: r.machine_id, location: r.location, slots: [] };
    m.slots.push({ slotId: r.slot_id, itemId: r.item_id, capacity: r.capacity });
    machines.set(r.machine_id, m);
  }
  const inside = new Map<string, (LevelReading & { delta: number })[]>();
  for (const c of changes.rows) {
    const key = `${c.machine_id}\u0000${c.slot_id}`;
    const list = inside.get(key) ?? [];
    list.push({ at: c.device_time.getTime(), level: c.level, seq: Number(c.seq), delta: c.delta });
    inside.set(key, list);
  }
  const snapshot: PrisonSnapshot = {
    prisonId,
    timeZone,
    asOf,
    machines: [...machines.values()],
    dispenseDays: days.rows.map((d) => ({
      machineId: d.machine_id,
      itemId: d.item_id,
      date: d.date,
      quantity: d.quantity,
    })),
    levels: slotRows.rows.map((r) => {
      const list = inside.get(`${r.machine_id}\u0000${r.slot_id}`) ?? [];
      return {
        machineId: r.machine_id,
        slotId: r.slot_id,
        levelAtStart: levelAtStart(r.before_level === null ? undefined : { level: r.before_level }, list[0]),
        changes: list.map(({ at, level, seq }) => ({ at, level, seq })),
      };
    }),
    stock: slotRows.rows.map((r) => ({ machineId: r.machine_id, slotId: r.slot_id, level: r.level ?? 0 })),
    lots: lots.rows.map((l) => ({
      machineId: l.machine_id,
      slotId: l.slot_id,
      lotId: l.lot_id,
      expiry: l.expiry,
      quantity: l.quantity,
    })),
  };
  return { snapshot, revision: p.revision };
}

export async function savePlanning(
  trx: Trx,
  prisonId: string,
  params: PlanningParams,
  revision: string,
  plan: RestockPlan,
  slots: SlotParameters[],
): Promise<void> {
  const s = params.schedule;
  const asOf = new Date(plan.generatedAt).toISOString();
  await sql`
    INSERT INTO reorder.visit_schedule (prison_id, anchor_date, first_visit_day, interval_days, visit_hour, lead_time_days, z, window_days)
    VALUES (${prisonId}, ${s.anchorDate}, ${s.firstVisitDay}, ${s.intervalDays}, ${s.hour}, ${s.leadTimeDays}, ${params.z}, ${params.windowDays})
    ON CONFLICT (prison_id) DO UPDATE
      SET anchor_date = excluded.anchor_date, first_visit_day = excluded.first_visit_day,
          interval_days = excluded.interval_days, visit_hour = excluded.visit_hour,
          lead_time_days = excluded.lead_time_days, z = excluded.z, window_days = excluded.window_days`.execute(
    trx,
  );
  // Rows of slots the plan no longer has go; the others are updated in place (an UPDATE that
  // changes no key column stays on its page, where DELETE + INSERT left a dead row per slot per
  // recompute: the estate's storage bench, issue #20).
  await sql`
    DELETE FROM reorder.slot_parameters
    WHERE prison_id = ${prisonId}
      AND (machine_id, slot_id) NOT IN (
        SELECT * FROM unnest(${slots.map((x) => x.machineId)}::text[], ${slots.map((x) => x.slotId)}::text[]))`.execute(
    trx,
  );
  if (slots.length > 0) {
    const col = <T>(f: (x: SlotParameters) => T) => slots.map(f);
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    await sql`
      INSERT INTO reorder.slot_parameters (prison_id, machine_id, slot_id, item_id, capacity, stock, lots, source,
        average_daily, sigma, weekday_factors, safety_stock, min, max, days_of_cover, projected_stockout_at, as_of, revision)
      SELECT ${prisonId}, m, sl, i, c, st, lo::jsonb, so, a, sg, ARRAY(SELECT f::double precision FROM jsonb_array_elements_text(w::jsonb) WITH ORDINALITY AS e(f, n) ORDER BY n),
             ss, mi, ma, dc, ps, ${asOf}::timestamptz, ${revision}::bigint
      FROM unnest(
        ${col((x) => x.machineId)}::text[], ${col((x) => x.slotId)}::text[], ${col((x) => x.itemId)}::text[],
        ${col((x) => x.capacity)}::integer[], ${col((x) => x.stock)}::integer[], ${col((x) => JSON.stringify(x.lots))}::text[],
        ${col((x) => x.source)}::text[], ${col((x) => x.averageDaily)}::double precision[], ${col((x) => x.sigmaDaily)}::double precision[],
        ${col((x) => JSON.stringify(x.weekdayFactors))}::text[], ${col((x) => x.safetyStock)}::double precision[],
        ${col((x) => x.min)}::integer[], ${col((x) => x.max)}::integer[], ${col((x) => x.daysOfCover)}::double precision[],
        ${col((x) => iso(x.projectedStockoutAt))}::timestamptz[])
        AS x(m, sl, i, c, st, lo, so, a, sg, w, ss, mi, ma, dc, ps)
      ON CONFLICT (prison_id, machine_id, slot_id) DO UPDATE SET
        item_id = excluded.item_id, capacity = excluded.capacity, stock = excluded.stock, lots = excluded.lots,
        source = excluded.source, average_daily = excluded.average_daily, sigma = excluded.sigma,
        weekday_factors = excluded.weekday_factors, safety_stock = excluded.safety_stock, min = excluded.min,
        max = excluded.max, days_of_cover = excluded.days_of_cover, projected_stockout_at = excluded.projected_stockout_at,
        as_of = excluded.as_of, revision = excluded.revision, computed_at = now()`.execute(trx);
  }
  await sql`
    INSERT INTO reorder.restock_plan (prison_id, visit_at, following_visit_at, as_of, plan, revision, computed_at)
    VALUES (${prisonId}, ${new Date(plan.visitAt).toISOString()}, ${new Date(plan.followingVisitAt).toISOString()},
            ${asOf}, ${JSON.stringify(plan)}::json, ${revision}::bigint, now())
    ON CONFLICT (prison_id) DO UPDATE
      SET visit_at = excluded.visit_at, following_visit_at = excluded.following_visit_at, as_of = excluded.as_of,
          plan = excluded.plan, revision = excluded.revision, computed_at = excluded.computed_at`.execute(
    trx,
  );
}
