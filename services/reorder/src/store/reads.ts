import { sql } from "kysely";
import type { LotStock, RestockPlan } from "../domain";
import type { Db } from "./db";

/*
 * Reads of the service's tables for other workspaces (through ../read.ts) and the CLI's
 * `restock-plan`. Every query of another workspace on schema `reorder` is here.
 */

/** Prisons the service has reference data for. */
export async function knownPrisons(db: Db): Promise<string[]> {
  const r = await sql<{ prison_id: string }>`
    SELECT prison_id FROM reorder.prison WHERE time_zone IS NOT NULL ORDER BY prison_id`.execute(db);
  return r.rows.map((x) => x.prison_id);
}

/** A prison's name as the registry gave it; null when unknown. */
export async function prisonName(db: Db, prisonId: string): Promise<string | null> {
  const r = await sql<{ name: string | null }>`
    SELECT name FROM reorder.prison WHERE prison_id = ${prisonId}`.execute(db);
  return r.rows[0]?.name ?? null;
}

/** Each prison's time zone as the registry gave it (prisons without one are left out). */
export async function prisonTimeZones(db: Db): Promise<Map<string, string>> {
  const r = await sql<{ prison_id: string; time_zone: string | null }>`
    SELECT prison_id, time_zone FROM reorder.prison`.execute(db);
  return new Map(r.rows.flatMap((p) => (p.time_zone ? [[p.prison_id, p.time_zone] as const] : [])));
}

/** The stored plan of a prison's next visit, if any. */
export async function storedPlan(db: Db, prisonId: string): Promise<RestockPlan | undefined> {
  const row = await sql<{ plan: RestockPlan }>`
    SELECT plan FROM reorder.restock_plan WHERE prison_id = ${prisonId}`.execute(db);
  return row.rows[0]?.plan;
}

/** Every prison's stored plan, by prison id. */
export async function storedPlans(db: Db): Promise<{ prisonId: string; plan: RestockPlan }[]> {
  const r = await sql<{ prison_id: string; plan: RestockPlan }>`
    SELECT prison_id, plan FROM reorder.restock_plan ORDER BY prison_id`.execute(db);
  return r.rows.map((x) => ({ prisonId: x.prison_id, plan: x.plan }));
}

/**
 * Prisons with reference data whose stored plan is missing or older than their data
 * (`restock_plan.revision` ≠ `prison.revision`), and how many prisons have reference data.
 */
export async function planFreshness(db: Db): Promise<{ stale: number; known: number }> {
  const r = await sql<{ stale: string; known: string }>`
    SELECT (SELECT count(*) FROM reorder.prison p LEFT JOIN reorder.restock_plan rp USING (prison_id)
            WHERE p.time_zone IS NOT NULL AND (rp.revision IS NULL OR rp.revision <> p.revision)) AS stale,
           (SELECT count(*) FROM reorder.prison WHERE time_zone IS NOT NULL) AS known`.execute(db);
  return { stale: Number(r.rows[0]?.stale ?? 0), known: Number(r.rows[0]?.known ?? 0) };
}

/** The schedule a prison's stored plan used, if it has one. */
export async function storedSchedule(db: Db, prisonId: string) {
  const r = await sql<{
    anchor_date: string;
    first_visit_day: number;
    interval_days: number;
    visit_hour: number;
    lead_time_days: number;
  }>`
    SELECT anchor_date::text AS anchor_date, first_visit_day, interval_days, visit_hour, lead_time_days
    FROM reorder.visit_schedule WHERE prison_id = ${prisonId}`.execute(db);
  const s = r.rows[0];
  return s === undefined
    ? undefined
    : {
        anchorDate: s.anchor_date,
        firstVisitDay: s.first_visit_day,
        intervalDays: s.interval_days,
        hour: s.visit_hour,
        leadTimeDays: s.lead_time_days,
      };
}

/** Per slot of a prison, the lots and weekday factors its stored plan used. */
export async function storedSlotInputs(
  db: Db,
  prisonId: string,
): Promise<{ machineId: string; slotId: string; lots: LotStock[]; weekdayFactors: number[] }[]> {
  const r = await sql<{
    machine_id: string;
    slot_id: string;
    lots: LotStock[];
    weekday_factors: number[];
  }>`
    SELECT machine_id, slot_id, lots, weekday_factors FROM reorder.slot_parameters WHERE prison_id = ${prisonId}`.execute(
    db,
  );
  return r.rows.map((p) => ({
    machineId: p.machine_id,
    slotId: p.slot_id,
    lots: p.lots,
    weekdayFactors: p.weekday_factors,
  }));
}

/**
 * Every slot's Min as last computed, keyed `machineId/slotId` (the stock service's low-stock
 * input). test/support/stock-mins.ts recognises the stock service's refresh in pg_stat_activity
 * by this query's text: keep it as it is.
 */
export async function slotMins(db: Db): Promise<Map<string, number>> {
  const r = await sql<{ machine_id: string; slot_id: string; min: number }>`
    SELECT machine_id, slot_id, min FROM reorder.slot_parameters`.execute(db);
  return new Map(r.rows.map((x) => [`${x.machine_id}/${x.slot_id}`, Number(x.min)]));
}
