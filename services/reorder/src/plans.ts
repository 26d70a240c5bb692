import type { Database } from "@hrvend/runtime/db";
import { type Kysely, sql } from "kysely";
import { instantFormat, LocalCalendar, type LocalDate, type LotStock, type RestockPlan } from "./domain";
import { replanForVisit, type SlotParameters } from "./planPrison";
import type { OutreachSchedule } from "./schedules";

/** Reads of the service's tables for people (the `hrvend restock-plan` command). */

export class UnknownPrisonError extends Error {
  override readonly name = "UnknownPrisonError";
  constructor(
    readonly prisonId: string,
    readonly known: string[],
  ) {
    super(
      known.length === 0
        ? `unknown prison '${prisonId}': the reorder service knows no prison yet (has it consumed the reference data?)`
        : `unknown prison '${prisonId}'; known prisons: ${known.join(", ")}`,
    );
  }
}

export class NoPlanYetError extends Error {
  override readonly name = "NoPlanYetError";
  constructor(readonly prisonId: string) {
    super(
      `no restock plan for prison '${prisonId}' yet: the reorder service has its reference data but has not planned it (is the service running?)`,
    );
  }
}

export class VisitBeforeDataError extends Error {
  override readonly name = "VisitBeforeDataError";
}

/** Prisons the service has reference data for. */
export async function knownPrisons(db: Kysely<Database>): Promise<string[]> {
  const r = await sql<{ prison_id: string }>`
    SELECT prison_id FROM reorder.prison WHERE time_zone IS NOT NULL ORDER BY prison_id`.execute(db);
  return r.rows.map((x) => x.prison_id);
}

/**
 * The stored plan for the prison's next visit or, with `visitDate` (a local date), the plan for
 * a visit that day at the schedule's hour, from the same stock and demand.
 */
export async function readPlan(
  db: Kysely<Database>,
  prisonId: string,
  visitDate?: LocalDate,
): Promise<RestockPlan> {
  const row = await sql<{ plan: RestockPlan }>`
    SELECT plan FROM reorder.restock_plan WHERE prison_id = ${prisonId}`.execute(db);
  const stored = row.rows[0]?.plan;
  if (stored === undefined) {
    const known = await knownPrisons(db);
    if (known.includes(prisonId)) throw new NoPlanYetError(prisonId);
    throw new UnknownPrisonError(prisonId, known);
  }
  if (visitDate === undefined) return stored;

  LocalCalendar.wallMidnight(visitDate); // a named error for a date that is not one
  const sched = await sql<{
    anchor_date: string;
    first_visit_day: number;
    interval_days: number;
    visit_hour: number;
    lead_time_days: number;
  }>`
    SELECT anchor_date::text AS anchor_date, first_visit_day, interval_days, visit_hour, lead_time_days
    FROM reorder.visit_schedule WHERE prison_id = ${prisonId}`.execute(db);
  const s = sched.rows[0];
  if (s === undefined) throw new NoPlanYetError(prisonId);
  const schedule: OutreachSchedule = {
    anchorDate: s.anchor_date,
    firstVisitDay: s.first_visit_day,
    intervalDays: s.interval_days,
    hour: s.visit_hour,
    leadTimeDays: s.lead_time_days,
  };
  const calendar = LocalCalendar.for(stored.timeZone);
  const visitAt = calendar.atLocalTime(visitDate, schedule.hour);
  if (visitAt < stored.generatedAt) {
    const at = instantFormat(stored.timeZone, "short");
    throw new VisitBeforeDataError(
      `a visit on ${visitDate} at ${at(visitAt).slice(11)} is before the latest data for prison '${prisonId}' (${at(stored.generatedAt)}); plans look forward: give ${calendar.dateOf(stored.generatedAt)} or later`,
    );
  }
  const params = await sql<{
    machine_id: string;
    slot_id: string;
    lots: LotStock[];
    weekday_factors: number[];
  }>`
    SELECT machine_id, slot_id, lots, weekday_factors FROM reorder.slot_parameters WHERE prison_id = ${prisonId}`.execute(
    db,
  );
  const slots: Pick<SlotParameters, "machineId" | "slotId" | "lots" | "weekdayFactors">[] = params.rows.map(
    (p) => ({ machineId: p.machine_id, slotId: p.slot_id, lots: p.lots, weekdayFactors: p.weekday_factors }),
  );
  return replanForVisit(stored, slots, schedule, visitDate);
}
