import type { Scenario } from "@hrvend/devices";
import type { Database } from "@hrvend/infra/db";
import { LocalCalendar, type RestockPlan } from "@hrvend/reorder";
import type { HrEvent } from "@hrvend/schemas";
import { type Kysely, sql } from "kysely";
import { expect } from "vitest";
import { coverageFromLedger, type LedgerFigure } from "./coverage-ledger";
import { type Fact, ledgerPeriods, type Period } from "./ledger";

/**
 * Every figure of the pipeline against the simulator's ground-truth ledger (ARCHITECTURE.md,
 * invariant 5), one function per service, for the end-to-end and fault tests and the services'
 * own integration tests. Each returns how much it compared, so a caller can assert the run was
 * not trivially empty.
 */

type Db = Kysely<Database>;
type StockFact = Fact & { fact: "stock" };

export const slotOf = (f: {
  machineId?: string;
  machine_id?: string;
  slotId?: string;
  slot_id?: string | null;
}) => `${f.machineId ?? f.machine_id}/${f.slotId ?? f.slot_id ?? "-"}`;

const ledgerEvents = (facts: readonly Fact[]): HrEvent[] =>
  facts.flatMap((f) => (f.fact === "event" ? [(f as unknown as { event: HrEvent }).event] : []));

/** Raw events: exactly the ledger's event keys, each once. */
export async function reconcileRecorder(db: Db, facts: readonly Fact[]): Promise<number> {
  const want = facts.flatMap((f) => (f.fact === "event" ? [f.key] : [])).sort();
  const rows = await sql<{ event_key: string }>`SELECT event_key FROM ingest.raw_event`.execute(db);
  expect(rows.rows.map((r) => r.event_key).sort()).toEqual(want);
  return want.length;
}

export type AlertSubject = { machine_id: string; slot_id: string | null };

/** The stored alerts of one type as periods per subject (raise order). */
export async function alertPeriods(
  db: Db,
  type: string,
  subject: (a: AlertSubject) => string,
): Promise<Map<string, Period[]>> {
  const alerts = await sql<AlertSubject & { raised_at: Date; cleared_at: Date | null }>`
    SELECT machine_id, slot_id, raised_at, cleared_at FROM stock.alert WHERE type = ${type} ORDER BY raised_at`.execute(
    db,
  );
  const m = new Map<string, Period[]>();
  for (const a of alerts.rows)
    m.set(subject(a), [
      ...(m.get(subject(a)) ?? []),
      { start: a.raised_at.getTime(), end: a.cleared_at?.getTime() ?? null },
    ]);
  return m;
}

/** Stock: every level change, every slot's final level, one alert per stockout and offline period. */
export async function reconcileStock(
  db: Db,
  facts: readonly Fact[],
): Promise<{ levelChanges: number; stockouts: number; offline: number }> {
  const stockFacts = facts.filter((f): f is StockFact => f.fact === "stock");
  const rows = await sql<{
    machine_id: string;
    slot_id: string;
    device_time: Date;
    level: number;
    delta: number;
    cause: string;
  }>`SELECT machine_id, slot_id, device_time, level, delta, cause FROM stock.level_change`.execute(db);
  const line = (slot: string, t: number, level: number, delta: number, cause: string) =>
    `${slot} ${t} ${level} ${delta} ${cause}`;
  expect(
    rows.rows.map((r) => line(slotOf(r), r.device_time.getTime(), r.level, r.delta, r.cause)).sort(),
  ).toEqual(stockFacts.map((f) => line(slotOf(f), Date.parse(f.t), f.level, f.delta, f.cause)).sort());
  const finalLedger = new Map(stockFacts.map((f) => [slotOf(f), f.level]));
  const slots = await sql<{ machine_id: string; slot_id: string; level: number }>`
    SELECT machine_id, slot_id, level FROM stock.slot`.execute(db);
  expect(
    new Map(slots.rows.filter((r) => finalLedger.has(slotOf(r))).map((r) => [slotOf(r), r.level])),
  ).toEqual(finalLedger);

  const ours = (type: string, subject: (a: AlertSubject) => string) => alertPeriods(db, type, subject);
  const stockouts = ledgerPeriods(facts, "stockout_start", "stockout_end", (f) =>
    slotOf(f as { machineId: string; slotId: string }),
  );
  expect(await ours("stockout", slotOf)).toEqual(stockouts);
  const offline = ledgerPeriods(
    facts,
    "offline_start",
    "offline_end",
    (f) => (f as { machineId: string }).machineId,
  );
  expect(await ours("offline", (a) => a.machine_id)).toEqual(offline);
  const count = (m: Map<string, Period[]>) => [...m.values()].flat().length;
  return { levelChanges: stockFacts.length, stockouts: count(stockouts), offline: count(offline) };
}

/**
 * Reorder: daily dispenses per machine, item and local day; every slot's stock and lots as the
 * ledger ends; each prison's plan covers its machines in priority order with quantities that
 * fill slots as the service's policy says and a pick list that adds up.
 */
export async function reconcileReorder(
  db: Db,
  facts: readonly Fact[],
  scenario: Scenario,
): Promise<{ dispenseDays: number; slots: number; plans: number }> {
  const zoneOf = new Map(scenario.prisons.map((p) => [p.prisonId, p.timeZone]));
  const expected = new Map<string, number>();
  for (const e of ledgerEvents(facts)) {
    if (e.kind !== "dispense") continue;
    const date = LocalCalendar.for(zoneOf.get(e.prisonId) as string).dateOf(Date.parse(e.deviceTime));
    const key = `${e.prisonId}/${e.machineId}/${e.itemId}/${date}`;
    expected.set(key, (expected.get(key) ?? 0) + e.quantity);
  }
  const daily = await sql<{ k: string; quantity: number }>`
    SELECT prison_id || '/' || machine_id || '/' || item_id || '/' || local_date::text AS k, quantity
    FROM reorder.dispense_daily`.execute(db);
  expect(new Map(daily.rows.map((r) => [r.k, r.quantity]))).toEqual(expected);

  const lastStock = new Map<string, StockFact>();
  for (const f of facts) if (f.fact === "stock") lastStock.set(slotOf(f), f as StockFact);
  const params = await sql<{
    machine_id: string;
    slot_id: string;
    capacity: number;
    stock: number;
    lots: { lotId: string; expiry: string; quantity: number }[];
    min: number;
    max: number;
  }>`SELECT * FROM reorder.slot_parameters`.execute(db);
  const slots = scenario.prisons.flatMap((p) =>
    p.machines.flatMap((m) => m.slots.map((s) => `${m.machineId}/${s.slotId}`)),
  );
  expect(params.rows.map((r) => slotOf(r)).sort()).toEqual([...slots].sort());
  for (const r of params.rows) {
    const key = slotOf(r);
    expect(r.min, key).toBeLessThanOrEqual(r.max);
    expect(r.max, key).toBeLessThanOrEqual(r.capacity);
    expect(r.stock, key).toBe(lastStock.get(key)?.level ?? 0);
    expect(r.lots, key).toEqual((lastStock.get(key)?.lots ?? []).filter((l) => l.quantity > 0));
  }

  const stored = await sql<{ prison_id: string; plan: RestockPlan }>`
    SELECT prison_id, plan FROM reorder.restock_plan ORDER BY prison_id`.execute(db);
  expect(stored.rows.map((r) => r.prison_id)).toEqual(scenario.prisons.map((p) => p.prisonId).sort());
  for (const { prison_id, plan } of stored.rows) {
    const p = scenario.prisons.find((x) => x.prisonId === prison_id) as Scenario["prisons"][number];
    expect(plan.machines.map((m) => m.machineId).sort()).toEqual(p.machines.map((m) => m.machineId).sort());
    expect(plan.machines.map((m) => m.priority)).toEqual(plan.machines.map((_, i) => i + 1));
    const byItem = new Map<string, number>();
    for (const m of plan.machines)
      for (const s of m.slots) {
        const fill =
          plan.fillTo === "capacity"
            ? s.capacity + Math.ceil(s.safetyStock - 1e-9)
            : Math.min(s.max, s.capacity);
        expect(s.projectedAtVisit + s.quantity, `${m.machineId}/${s.slotId}`).toBe(
          Math.max(fill, s.projectedAtVisit),
        );
        byItem.set(s.itemId, (byItem.get(s.itemId) ?? 0) + s.loadUnits);
      }
    expect(new Map(plan.pickList.map((l) => [l.itemId, l.totalUnits]))).toEqual(byItem);
  }
  return { dispenseDays: expected.size, slots: params.rows.length, plans: stored.rows.length };
}

const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Coverage: every figure before suppression equals the one computed from the ledger (DOMAIN.md). */
export async function reconcileCoverage(db: Db, facts: readonly Fact[]): Promise<number> {
  const expected = coverageFromLedger(facts);
  const rows = await sql<Record<string, unknown>>`
    SELECT *, period_start::text AS period_start, period_end::text AS period_end FROM coverage.figure`.execute(
    db,
  );
  const key = (f: Pick<LedgerFigure, "scope" | "grain" | "periodStart">) =>
    `${f.scope}|${f.grain}|${f.periodStart}`;
  const actual = new Map(
    rows.rows.map((r) => {
      const f = Object.fromEntries(Object.entries(r).map(([k, v]) => [camel(k), v])) as Record<
        string,
        unknown
      >;
      return [key(f as unknown as LedgerFigure), f];
    }),
  );
  expect([...actual.keys()].sort()).toEqual(expected.map(key).sort());
  let compared = 0;
  for (const want of expected) {
    const got = actual.get(key(want)) ?? {};
    for (const [field, w] of Object.entries(want)) {
      const g = got[field];
      if (typeof w === "number" && !Number.isInteger(w)) {
        expect(g, `${key(want)} ${field}`).toBeTypeOf("number");
        expect(Math.abs((g as number) - w), `${key(want)} ${field}: ${g} vs ${w}`).toBeLessThan(
          1e-9 * Math.max(1, Math.abs(w)),
        );
      } else expect(g, `${key(want)} ${field}`).toEqual(w);
      compared++;
    }
  }
  return compared;
}

/** Every consumer's committed stream position. */
export async function positions(db: Db): Promise<Map<string, number>> {
  const r = await sql<{ consumer: string; s: string }>`
    SELECT consumer, stream_seq AS s FROM ingest.stream_position`.execute(db);
  return new Map(r.rows.map((x) => [x.consumer, Number(x.s)]));
}
