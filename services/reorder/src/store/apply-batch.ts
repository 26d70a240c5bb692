import { type StreamPosition, savePosition } from "@hrvend/runtime/db";
import { sql } from "kysely";
import {
  type BatchChanges,
  type DispenseDay,
  dispenseDays,
  lotDeltas,
  type StockRow,
} from "../domain/batch-changes";
import { type AnyDb, reorderDb, type Trx } from "./db";

export interface ApplyResult {
  /** Prisons the batch touched: their plans are due for a recompute. */
  prisons: string[];
  /** Stock events stored for the first time. */
  fresh: number;
  /** Stock events already stored (redelivery, device replay): changed nothing. */
  duplicates: number;
}

/**
 * Applies a batch and moves the consumer's stream position in one transaction (invariant 3).
 * Idempotent: a stock event counts only if its key was new in this transaction (level_change is
 * the ledger of applied keys), reference data only if its registry seq is not older than what is
 * stored, and the latest event time per prison only ever grows. So applying a batch twice, or in
 * pieces, gives the same rows.
 */
export async function applyBatch(
  db: AnyDb,
  changes: BatchChanges,
  position: StreamPosition,
): Promise<ApplyResult> {
  return reorderDb(db)
    .transaction()
    .execute(async (trx) => {
      const ids = [...changes.lastEventAt.keys()];
      const zoneBefore = await timeZones(trx, ids);
      if (ids.length > 0)
        await sql`
        INSERT INTO reorder.prison (prison_id, last_event_at, revision)
        SELECT p, t, 1 FROM unnest(${ids}::text[], ${ids.map((id) => new Date(changes.lastEventAt.get(id)!).toISOString())}::timestamptz[]) AS x(p, t)
        ON CONFLICT (prison_id) DO UPDATE
          SET last_event_at = GREATEST(reorder.prison.last_event_at, excluded.last_event_at),
              revision = reorder.prison.revision + 1`.execute(trx);
      for (const p of changes.prisons)
        await sql`
        UPDATE reorder.prison SET name = ${p.name}, time_zone = ${p.timeZone}, capacity = ${p.capacity},
          ref_seq = ${p.seq}, ref_source = ${p.source}
        WHERE prison_id = ${p.prisonId}
          AND (ref_seq IS NULL OR (${ownedBy(p.source)} AND ref_seq <= ${p.seq}))`.execute(trx);
      const zone = changes.prisons.length > 0 ? await timeZones(trx, ids) : zoneBefore;
      // A prison's days are its local days: when its time zone becomes known (or changes), its
      // daily dispenses are recounted from the level changes already stored.
      const recount = ids.filter((id) => zone.get(id) !== undefined && zone.get(id) !== zoneBefore.get(id));

      for (const m of changes.machines) {
        const applied = await sql<{ machine_id: string }>`
        INSERT INTO reorder.machine AS r (machine_id, prison_id, location, active, ref_seq, ref_source)
        VALUES (${m.machineId}, ${m.prisonId}, ${m.location}, ${m.active}, ${m.seq}, ${m.source})
        ON CONFLICT (machine_id) DO UPDATE
          SET prison_id = excluded.prison_id, location = excluded.location, active = excluded.active,
              ref_seq = excluded.ref_seq, ref_source = excluded.ref_source
          WHERE ${ownedBy(m.source, "r.")} AND r.ref_seq <= excluded.ref_seq
        RETURNING machine_id`.execute(trx);
        if (applied.rows.length === 0) continue;
        await sql`DELETE FROM reorder.slot WHERE machine_id = ${m.machineId}`.execute(trx);
        await sql`
        INSERT INTO reorder.slot (machine_id, slot_id, prison_id, item_id, capacity, position)
        SELECT ${m.machineId}, s, ${m.prisonId}, i, c, n FROM unnest(
          ${m.slots.map((s) => s.slotId)}::text[], ${m.slots.map((s) => s.itemId)}::text[],
          ${m.slots.map((s) => s.capacity)}::integer[], ${m.slots.map((_, n) => n)}::integer[]) AS x(s, i, c, n)`.execute(
          trx,
        );
      }

      const fresh = await insertLevelChanges(trx, changes.stock);
      const recounted = new Set(recount);
      const byPrison = new Map<string, StockRow[]>();
      for (const r of fresh)
        if (r.kind === "dispense" && !recounted.has(r.prisonId) && zone.get(r.prisonId) !== undefined)
          byPrison.set(r.prisonId, [...(byPrison.get(r.prisonId) ?? []), r]);
      for (const [prisonId, rows] of byPrison) {
        const days = dispenseDays(
          zone.get(prisonId)!,
          rows.map((r) => ({ ...r, at: Date.parse(r.deviceTime), quantity: -r.delta })),
        );
        await addDispenseDays(trx, prisonId, days);
      }
      for (const prisonId of recount) await recountDispenseDays(trx, prisonId, zone.get(prisonId)!);
      await addLots(trx, fresh);

      await savePosition(trx, position);
      return { prisons: ids, fresh: fresh.length, duplicates: changes.stock.length - fresh.length };
    });
}

async function timeZones(trx: Trx, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const r = await sql<{ prison_id: string; time_zone: string }>`
    SELECT prison_id, time_zone FROM reorder.prison WHERE prison_id = ANY(${ids}::text[]) AND time_zone IS NOT NULL`.execute(
    trx,
  );
  return new Map(r.rows.map((x) => [x.prison_id, x.time_zone]));
}

/** Stores the level changes; returns those whose key was not stored before (the first one stands). */
async function insertLevelChanges(trx: Trx, rows: StockRow[]): Promise<StockRow[]> {
  if (rows.length === 0) return [];
  const col = <T>(f: (r: StockRow) => T) => rows.map(f);
  const inserted = await sql<{ event_key: string }>`
    INSERT INTO reorder.level_change (event_key, prison_id, machine_id, slot_id, item_id, kind, device_time, seq, level, delta)
    SELECT * FROM unnest(
      ${col((r) => r.key)}::text[], ${col((r) => r.prisonId)}::text[], ${col((r) => r.machineId)}::text[],
      ${col((r) => r.slotId)}::text[], ${col((r) => r.itemId)}::text[], ${col((r) => r.kind)}::text[],
      ${col((r) => r.deviceTime)}::timestamptz[], ${col((r) => r.seq)}::bigint[], ${col((r) => r.level)}::integer[],
      ${col((r) => r.delta)}::integer[])
    ON CONFLICT (event_key) DO NOTHING
    RETURNING event_key`.execute(trx);
  const keys = new Set(inserted.rows.map((r) => r.event_key));
  return rows.filter((r) => keys.has(r.key));
}

async function addDispenseDays(trx: Trx, prisonId: string, days: DispenseDay[]): Promise<void> {
  if (days.length === 0) return;
  await sql`
    INSERT INTO reorder.dispense_daily (prison_id, machine_id, item_id, local_date, quantity, dispenses)
    SELECT ${prisonId}, m, i, d, q, n FROM unnest(
      ${days.map((d) => d.machineId)}::text[], ${days.map((d) => d.itemId)}::text[], ${days.map((d) => d.date)}::date[],
      ${days.map((d) => d.quantity)}::integer[], ${days.map((d) => d.dispenses)}::integer[]) AS x(m, i, d, q, n)
    ON CONFLICT (prison_id, machine_id, item_id, local_date) DO UPDATE
      SET quantity = reorder.dispense_daily.quantity + excluded.quantity,
          dispenses = reorder.dispense_daily.dispenses + excluded.dispenses`.execute(trx);
}

async function recountDispenseDays(trx: Trx, prisonId: string, timeZone: string): Promise<void> {
  const r = await sql<{ machine_id: string; item_id: string; device_time: Date; delta: number }>`
    SELECT machine_id, item_id, device_time, delta FROM reorder.level_change
    WHERE prison_id = ${prisonId} AND kind = 'dispense'`.execute(trx);
  await sql`DELETE FROM reorder.dispense_daily WHERE prison_id = ${prisonId}`.execute(trx);
  const days = dispenseDays(
    timeZone,
    r.rows.map((x) => ({
      machineId: x.machine_id,
      itemId: x.item_id,
      at: x.device_time.getTime(),
      quantity: -x.delta,
    })),
  );
  await addDispenseDays(trx, prisonId, days);
}

async function addLots(trx: Trx, fresh: StockRow[]): Promise<void> {
  const lots = lotDeltas(fresh);
  if (lots.length === 0) return;
  await sql`
    INSERT INTO reorder.lot_stock (machine_id, slot_id, lot_id, prison_id, item_id, expiry, quantity)
    SELECT * FROM unnest(
      ${lots.map((l) => l.machineId)}::text[], ${lots.map((l) => l.slotId)}::text[], ${lots.map((l) => l.lot.lotId)}::text[],
      ${lots.map((l) => l.prisonId)}::text[], ${lots.map((l) => l.itemId)}::text[], ${lots.map((l) => l.lot.expiry)}::date[],
      ${lots.map((l) => l.lot.delta)}::integer[])
    ON CONFLICT (machine_id, slot_id, lot_id) DO UPDATE
      SET quantity = reorder.lot_stock.quantity + excluded.quantity,
          expiry = COALESCE(excluded.expiry, reorder.lot_stock.expiry)`.execute(trx);
}

/**
 * Reference data is ordered per source (migration 0008_ref_source): a row changes only through
 * the registry source that owns it; a row from before the column existed (null) is claimed by
 * the next registration.
 */
function ownedBy(source: string, table = "") {
  return sql`(${sql.raw(table)}ref_source IS NULL OR ${sql.raw(table)}ref_source = ${source})`;
}
