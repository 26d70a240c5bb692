import { type Database, type StreamPosition, savePosition } from "@hrvend/runtime/db";
import { eventKey, type HrEvent } from "@hrvend/schemas";
import { type Kysely, sql } from "kysely";
import {
  type CensusRow,
  cardPeriodRows,
  censusKey,
  type DispenseRow,
  dispenseDays,
  firstDates,
  fullWindowMask,
  type Grain,
  type ItemRef,
  latestByKey,
  type OatRow,
  oatKey,
  PROGRAMME,
  type PrisonRef,
  planBatch,
  type Refs,
  type TouchedPeriod,
  touchedPeriods,
  withProgramme,
} from "../domain";
import { type CoverageDb, coverageDb } from "./db";
import { recountPeriods, refreshFigures } from "./figures";
import { lockFigures } from "./lock";

export interface BatchResult {
  dispenses: number;
  census: number;
  oat: number;
  pending: number;
  periods: number;
}

async function loadRefs(trx: CoverageDb): Promise<Refs> {
  const p = await trx.selectFrom("coverage.prison").select(["prison_id", "time_zone"]).execute();
  const i = await trx
    .selectFrom("coverage.item")
    .select(["item_id", "category", "syringes_per_unit"])
    .execute();
  return {
    prisons: new Map<string, PrisonRef>(p.map((r) => [r.prison_id, { timeZone: r.time_zone }])),
    items: new Map<string, ItemRef>(
      i.map((r) => [r.item_id, { category: r.category, syringesPerUnit: r.syringes_per_unit }]),
    ),
  };
}

/**
 * Applies one micro-batch and moves the stream position, in one transaction (invariant 3): a
 * crash at any instant leaves either all of it or none. Every statement is set-based (one per
 * table per batch) and idempotent on the event key or on the per-card key, so a redelivered
 * batch changes no figure.
 */
export async function applyBatch(
  db: Kysely<Database>,
  events: readonly HrEvent[],
  position: StreamPosition | null,
): Promise<BatchResult> {
  if (events.length === 0) {
    // Nothing coverage keeps (a batch of heartbeats): only the position moves.
    if (position) await db.transaction().execute((trx) => savePosition(trx, position));
    return { dispenses: 0, census: 0, oat: 0, pending: 0, periods: 0 };
  }
  return coverageDb(db)
    .transaction()
    .execute(async (trx) => {
      await lockFigures(trx);
      let items = events.map((event) => ({ key: eventKey(event), event }));
      let refs = await loadRefs(trx);
      const refPlan = planBatch(
        items.filter((x) => x.event.kind === "ref_prison" || x.event.kind === "ref_item"),
        refs,
      );
      for (const p of refPlan.prisons) {
        await sql`
        INSERT INTO coverage.prison (prison_id, name, time_zone, injecting_prevalence, opioid_dependence_prevalence, ref_key, ref_seq, ref_source)
        VALUES (${p.prisonId}, ${p.name}, ${p.timeZone}, ${p.injectingPrevalence}, ${p.opioidDependencePrevalence}, ${p.eventKey}, ${p.seq}, ${p.sourceId})
        ON CONFLICT (prison_id) DO UPDATE SET name = excluded.name, time_zone = excluded.time_zone,
          injecting_prevalence = excluded.injecting_prevalence,
          opioid_dependence_prevalence = excluded.opioid_dependence_prevalence,
          ref_key = excluded.ref_key, ref_seq = excluded.ref_seq, ref_source = excluded.ref_source
        -- Ordered per source (migration 0008_ref_source): only the registry source that owns the
        -- prison changes it; seqs are never compared across sources.
        WHERE coalesce(coverage.prison.ref_source, excluded.ref_source) = excluded.ref_source
          AND excluded.ref_seq > coverage.prison.ref_seq`.execute(trx);
      }
      for (const i of refPlan.items) {
        await sql`
        INSERT INTO coverage.item (item_id, category, syringes_per_unit, ref_seq, ref_source)
        VALUES (${i.itemId}, ${i.category}, ${i.syringesPerUnit}, ${i.seq}, ${i.sourceId})
        ON CONFLICT (item_id) DO UPDATE SET category = excluded.category,
          syringes_per_unit = excluded.syringes_per_unit, ref_seq = excluded.ref_seq, ref_source = excluded.ref_source
        WHERE coalesce(coverage.item.ref_source, excluded.ref_source) = excluded.ref_source
          AND excluded.ref_seq > coverage.item.ref_seq`.execute(trx);
      }
      if (refPlan.prisons.length + refPlan.items.length > 0) {
        refs = await loadRefs(trx);
        items = [...(await takeResolved(trx)), ...items];
      }
      const plan = planBatch(
        items.filter((x) => x.event.kind !== "ref_prison" && x.event.kind !== "ref_item"),
        refs,
      );
      if (plan.pending.length > 0) {
        await sql`
        INSERT INTO coverage.pending (event_key, event)
        SELECT * FROM unnest(${plan.pending.map((p) => p.eventKey)}::text[], ${plan.pending.map((p) => JSON.stringify(p.event))}::jsonb[])
        ON CONFLICT DO NOTHING`.execute(trx);
      }

      const dated: { scope: string; date: string }[] = [];
      const fresh = await insertDispenses(trx, plan.dispenses);
      for (const d of fresh) dated.push(...withProgramme(d.prisonId, d.localDate));
      dated.push(...(await upsertCards(trx, fresh)));
      const census = await upsertCensus(trx, plan.census);
      for (const c of census) dated.push(...withProgramme(c.prisonId, c.date));
      const oat = await insertOat(trx, plan.oat);
      dated.push(...oat.dated);

      const touched = [...touchedPeriods(dated)];
      const seen = new Set(touched.map((t) => `${t.scope}|${t.grain}|${t.start}`));
      for (const t of oat.later) if (!seen.has(`${t.scope}|${t.grain}|${t.start}`)) touched.push(t);
      await recountPeriods(trx, touched);
      const groups = new Map(
        touched.map((t) => [`${t.grain}|${t.start}`, { grain: t.grain, start: t.start }]),
      );
      await refreshFigures(trx, [...groups.values()]);
      if (position) await savePosition(trx, position);
      return {
        dispenses: fresh.length,
        census: census.length,
        oat: plan.oat.length,
        pending: plan.pending.length,
        periods: touched.length,
      };
    });
}

/**
 * The held events whose reference data is now known (domain/plan.ts holds a dispense until its
 * prison and item are known, an OAT register change until its prison is), taken out of
 * `coverage.pending`; the others stay untouched (rewriting the whole table on every registry
 * change churned it to ~100 MB on the estate).
 */
async function takeResolved(trx: CoverageDb): Promise<{ key: string; event: HrEvent }[]> {
  const r = await sql<{ event_key: string; event: HrEvent }>`
    DELETE FROM coverage.pending p
    WHERE EXISTS (SELECT 1 FROM coverage.prison WHERE prison_id = p.event->>'prisonId')
      AND (p.event->>'kind' <> 'dispense' OR EXISTS (SELECT 1 FROM coverage.item WHERE item_id = p.event->>'itemId'))
    RETURNING event_key, event`.execute(trx);
  return r.rows.map((x) => ({ key: x.event_key, event: x.event }));
}

/** Inserts dispenses on their event key; returns the ones not seen before, and adds them to the day sums. */
async function insertDispenses(trx: CoverageDb, rows: readonly DispenseRow[]): Promise<DispenseRow[]> {
  if (rows.length === 0) return [];
  const unique = [...new Map(rows.map((r) => [r.eventKey, r])).values()];
  const inserted = await sql<{ event_key: string }>`
    INSERT INTO coverage.dispense (event_key, prison_id, item_id, local_date, quantity)
    SELECT * FROM unnest(${unique.map((r) => r.eventKey)}::text[], ${unique.map((r) => r.prisonId)}::text[],
                         ${unique.map((r) => r.itemId)}::text[], ${unique.map((r) => r.localDate)}::date[],
                         ${unique.map((r) => r.quantity)}::int[])
    ON CONFLICT DO NOTHING RETURNING event_key`.execute(trx);
  const keys = new Set(inserted.rows.map((r) => r.event_key));
  const fresh = unique.filter((r) => keys.has(r.eventKey));
  const v = dispenseDays(fresh);
  if (v.length > 0)
    await sql`
      INSERT INTO coverage.dispense_day AS dd (prison_id, local_date, item_id, category, quantity, syringes, dispenses)
      SELECT * FROM unnest(${v.map((x) => x.d.prisonId)}::text[], ${v.map((x) => x.d.localDate)}::date[],
                           ${v.map((x) => x.d.itemId)}::text[], ${v.map((x) => x.d.category)}::text[],
                           ${v.map((x) => x.quantity)}::int[], ${v.map((x) => x.syringes)}::int[], ${v.map((x) => x.n)}::int[])
      ON CONFLICT (prison_id, local_date, item_id) DO UPDATE SET quantity = dd.quantity + excluded.quantity,
        syringes = dd.syringes + excluded.syringes, dispenses = dd.dispenses + excluded.dispenses`.execute(
      trx,
    );
  return fresh;
}

/**
 * Per-card state. Returns the dates whose periods changed beyond the dispenses' own: a card's
 * first date moved earlier (an event that arrived late), so the period that counted it as new
 * no longer does.
 */
async function upsertCards(
  trx: CoverageDb,
  fresh: readonly DispenseRow[],
): Promise<{ scope: string; date: string }[]> {
  const rows = cardPeriodRows(fresh);
  if (rows.length === 0) return [];
  await sql`
    INSERT INTO coverage.card_period AS cp (scope, grain, period_start, card_token, windows)
    SELECT * FROM unnest(${rows.map((r) => r.scope)}::text[], ${rows.map((r) => r.grain)}::text[],
                         ${rows.map((r) => r.periodStart)}::date[], ${rows.map((r) => r.cardToken)}::text[],
                         ${rows.map((r) => r.windows)}::int[])
    ON CONFLICT (scope, grain, period_start, card_token) DO UPDATE SET windows = cp.windows | excluded.windows
    WHERE cp.windows | excluded.windows <> cp.windows`.execute(trx);
  const firsts = firstDates(fresh);
  const moved = await sql<{ scope: string; first_date: string }>`
    WITH i AS (
      SELECT * FROM unnest(${firsts.map((f) => f.scope)}::text[], ${firsts.map((f) => f.cardToken)}::text[],
                           ${firsts.map((f) => f.date)}::date[]) AS i(scope, card_token, first_date)),
    old AS (
      SELECT c.scope, c.first_date FROM coverage.card c JOIN i USING (scope, card_token)
      WHERE i.first_date < c.first_date),
    up AS (
      INSERT INTO coverage.card AS c (scope, card_token, first_date) SELECT scope, card_token, first_date FROM i
      ON CONFLICT (scope, card_token) DO UPDATE SET first_date = excluded.first_date
      WHERE excluded.first_date < c.first_date)
    SELECT scope, first_date::text AS first_date FROM old`.execute(trx);
  return moved.rows.map((r) => ({ scope: r.scope, date: r.first_date }));
}

/**
 * A census day is replaced by a newer report for the same day (domain/supersede.ts: higher seq,
 * then source id), never by an older one, in any arrival order.
 */
async function upsertCensus(trx: CoverageDb, rows: readonly CensusRow[]): Promise<CensusRow[]> {
  if (rows.length === 0) return [];
  const v = latestByKey(rows, censusKey);
  await sql`
    INSERT INTO coverage.census_day AS c (prison_id, date, population, admissions, releases, seq, source_id)
    SELECT * FROM unnest(${v.map((r) => r.prisonId)}::text[], ${v.map((r) => r.date)}::date[],
                         ${v.map((r) => r.population)}::int[], ${v.map((r) => r.admissions)}::int[],
                         ${v.map((r) => r.releases)}::int[], ${v.map((r) => r.seq)}::bigint[],
                         ${v.map((r) => r.sourceId)}::text[])
    ON CONFLICT (prison_id, date) DO UPDATE SET population = excluded.population, admissions = excluded.admissions,
      releases = excluded.releases, seq = excluded.seq, source_id = excluded.source_id
    WHERE (excluded.seq, excluded.source_id) > (c.seq, c.source_id)`.execute(trx);
  return v;
}

/**
 * OAT register changes. "Active at the end of the period" depends on every change before the
 * period's end, so a change also touches the later periods already counted (a late event):
 * those are returned as they are, to be recounted, never to create new ones.
 */
async function insertOat(
  trx: CoverageDb,
  rows: readonly OatRow[],
): Promise<{ dated: { scope: string; date: string }[]; later: TouchedPeriod[] }> {
  if (rows.length === 0) return { dated: [], later: [] };
  const unique = latestByKey(rows, oatKey);
  // One entry per register key (client, prison, local date, event): a newer report (a correction)
  // replaces it, an older or repeated one changes nothing. Returns the entries written.
  const fresh = await sql<{ prison_id: string; local_date: string }>`
    INSERT INTO coverage.oat_event AS o (event_key, prison_id, client_token, action, at, local_date, seq, source_id)
    SELECT * FROM unnest(${unique.map((r) => r.eventKey)}::text[], ${unique.map((r) => r.prisonId)}::text[],
                         ${unique.map((r) => r.clientToken)}::text[], ${unique.map((r) => r.action)}::text[],
                         ${unique.map((r) => r.at)}::timestamptz[], ${unique.map((r) => r.localDate)}::date[],
                         ${unique.map((r) => r.seq)}::bigint[], ${unique.map((r) => r.sourceId)}::text[])
    ON CONFLICT (prison_id, client_token, local_date, action) DO UPDATE SET event_key = excluded.event_key,
      at = excluded.at, seq = excluded.seq, source_id = excluded.source_id
    WHERE (excluded.seq, excluded.source_id) > (o.seq, o.source_id)
    RETURNING prison_id, local_date::text AS local_date`.execute(trx);
  if (fresh.rows.length === 0) return { dated: [], later: [] };
  const earliest = new Map<string, string>();
  for (const r of fresh.rows) {
    const cur = earliest.get(r.prison_id);
    if (!cur || r.local_date < cur) earliest.set(r.prison_id, r.local_date);
  }
  const dated = fresh.rows.flatMap((r) => withProgramme(r.prison_id, r.local_date));
  const later = await sql<{ scope: string; grain: Grain; start: string; end: string }>`
    SELECT DISTINCT pc.scope, pc.grain, pc.period_start::text AS start, pc.period_end::text AS end
    FROM coverage.period_count pc
    JOIN unnest(${[...earliest.keys()]}::text[], ${[...earliest.values()]}::date[]) AS e(prison_id, d)
      ON (pc.scope = e.prison_id OR pc.scope = ${PROGRAMME}) AND pc.period_end >= e.d`.execute(trx);
  return { dated, later: later.rows.map((p) => ({ ...p, fullMask: fullWindowMask(p) })) };
}
