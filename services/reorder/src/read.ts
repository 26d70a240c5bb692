import { LocalCalendar, type LocalDate, type RestockPlan, replanForVisit } from "./domain";
import { instantFormat } from "./render/plan-rows";
import { type AnyDb, reorderDb } from "./store/db";
import * as reads from "./store/reads";

/*
 * What other workspaces read from the reorder service (`@hrvend/reorder/read`): the CLI
 * (`restock-plan`, `summary`, `alerts`, the settle probe), the notifier (prison time zones), the
 * stock service (slot Mins) and the tests. The queries are in store/reads.ts; nothing outside
 * this service queries schema `reorder` (its migrations and the cross-service views apart).
 */

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
export const knownPrisons = (db: AnyDb): Promise<string[]> => reads.knownPrisons(reorderDb(db));

/** A prison's name as the registry gave it; null when unknown. */
export const prisonName = (db: AnyDb, prisonId: string): Promise<string | null> =>
  reads.prisonName(reorderDb(db), prisonId);

/** Each prison's time zone as the registry gave it (prisons without one are left out). */
export const prisonTimeZones = (db: AnyDb): Promise<Map<string, string>> =>
  reads.prisonTimeZones(reorderDb(db));

/** Every prison's stored next-visit plan, by prison id. */
export const currentPlans = (db: AnyDb): Promise<{ prisonId: string; plan: RestockPlan }[]> =>
  reads.storedPlans(reorderDb(db));

/**
 * How many prisons with reference data have no plan for their latest data (`stale`: missing, or
 * computed from an older revision), of how many (`known`).
 */
export const planFreshness = (db: AnyDb): Promise<{ stale: number; known: number }> =>
  reads.planFreshness(reorderDb(db));

/** Every slot's Min as the service last computed it, keyed `machineId/slotId`. */
export const slotMins = (db: AnyDb): Promise<Map<string, number>> => reads.slotMins(reorderDb(db));

/**
 * The stored plan for the prison's next visit or, with `visitDate` (a local date), the plan for
 * a visit that day at the schedule's hour, from the same stock and demand.
 */
export async function readPlan(db: AnyDb, prisonId: string, visitDate?: LocalDate): Promise<RestockPlan> {
  const rdb = reorderDb(db);
  const stored = await reads.storedPlan(rdb, prisonId);
  if (stored === undefined) {
    const known = await knownPrisons(db);
    if (known.includes(prisonId)) throw new NoPlanYetError(prisonId);
    throw new UnknownPrisonError(prisonId, known);
  }
  if (visitDate === undefined) return stored;

  LocalCalendar.wallMidnight(visitDate); // a named error for a date that is not one
  const schedule = await reads.storedSchedule(rdb, prisonId);
  if (schedule === undefined) throw new NoPlanYetError(prisonId);
  const calendar = LocalCalendar.for(stored.timeZone);
  const visitAt = calendar.atLocalTime(visitDate, schedule.hour);
  if (visitAt < stored.generatedAt) {
    const at = instantFormat(stored.timeZone, "short");
    throw new VisitBeforeDataError(
      `a visit on ${visitDate} at ${at(visitAt).slice(11)} is before the latest data for prison '${prisonId}' (${at(stored.generatedAt)}); plans look forward: give ${calendar.dateOf(stored.generatedAt)} or later`,
    );
  }
  const slots = await reads.storedSlotInputs(rdb, prisonId);
  return replanForVisit(stored, slots, schedule, visitDate);
}
