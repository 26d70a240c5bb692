import assert from "node:assert/strict";
import { readAllFigures } from "@hrvend/coverage/read";
import type { Scenario } from "@hrvend/devices";
import { committedPositions, recordedEventKeys } from "@hrvend/recorder/read";
import { currentPlans, slotMins } from "@hrvend/reorder/read";
import type { Database } from "@hrvend/runtime/db";
import { LocalCalendar } from "@hrvend/runtime/time";
import type { HrEvent } from "@hrvend/schemas";
import { type Kysely, sql } from "kysely";
import {
  activeAlertCounts,
  alertPeriodsOfType,
  alertsOfTypeBySlot,
  levelChanges,
  slotLevels,
} from "../../services/stock/src/read";
import { coverageFromLedger, type LedgerFigure } from "./coverage-ledger";
import { type Fact, ledgerPeriods, type Period } from "./ledger";

/**
 * Every figure of the pipeline against the simulator's ground-truth ledger (docs/architecture.md,
 * invariant 5), one function per service, for the end-to-end and fault tests and the services'
 * own integration tests and the benchmark (plain node:assert, so it runs outside vitest too).
 * Each returns how much it compared, so a caller can assert the run was not trivially empty.
 */

/** Deep equality of plain data as JSON sees it (Maps as sorted objects, undefined fields dropped). */
function same(actual: unknown, expected: unknown, message?: string): void {
  const norm = (v: unknown): unknown =>
    JSON.parse(
      JSON.stringify(v, (_, x) =>
        x instanceof Map
          ? Object.fromEntries([...x.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
          : x,
      ) ?? "null",
    );
  assert.deepStrictEqual(norm(actual), norm(expected), message);
}

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
  same((await recordedEventKeys(db)).sort(), want);
  return want.length;
}

export type AlertSubject = { machine_id: string; slot_id: string | null };

/** The stored alerts of one type as periods per subject (raise order). */
export async function alertPeriods(
  db: Db,
  type: string,
  subject: (a: AlertSubject) => string,
): Promise<Map<string, Period[]>> {
  const alerts = await alertPeriodsOfType(db, type);
  const m = new Map<string, Period[]>();
  for (const a of alerts)
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
  const rows = await levelChanges(db);
  const line = (slot: string, t: number, level: number, delta: number, cause: string) =>
    `${slot} ${t} ${level} ${delta} ${cause}`;
  same(
    rows.map((r) => line(slotOf(r), r.device_time.getTime(), r.level, r.delta, r.cause)).sort(),
    stockFacts.map((f) => line(slotOf(f), Date.parse(f.t), f.level, f.delta, f.cause)).sort(),
    "level changes",
  );
  const finalLedger = new Map(stockFacts.map((f) => [slotOf(f), f.level]));
  const slots = await slotLevels(db);
  same(
    new Map(slots.filter((r) => finalLedger.has(slotOf(r))).map((r) => [slotOf(r), r.level])),
    finalLedger,
    "final levels",
  );

  const ours = (type: string, subject: (a: AlertSubject) => string) => alertPeriods(db, type, subject);
  const stockouts = ledgerPeriods(facts, "stockout_start", "stockout_end", (f) =>
    slotOf(f as { machineId: string; slotId: string }),
  );
  same(await ours("stockout", slotOf), stockouts);
  const offline = ledgerPeriods(
    facts,
    "offline_start",
    "offline_end",
    (f) => (f as { machineId: string }).machineId,
  );
  same(await ours("offline", (a) => a.machine_id), offline);
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
  same(new Map(daily.rows.map((r) => [r.k, r.quantity])), expected);

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
  same(params.rows.map((r) => slotOf(r)).sort(), [...slots].sort());
  for (const r of params.rows) {
    const key = slotOf(r);
    assert.ok(
      r.min <= r.max && r.max <= r.capacity,
      `${key}: min ${r.min} ≤ max ${r.max} ≤ capacity ${r.capacity}`,
    );
    same(r.stock, lastStock.get(key)?.level ?? 0, `${key} stock`);
    same(
      r.lots,
      (lastStock.get(key)?.lots ?? []).filter((l) => l.quantity > 0),
      `${key} lots`,
    );
  }

  const stored = await currentPlans(db);
  same(
    stored.map((r) => r.prisonId),
    scenario.prisons.map((p) => p.prisonId).sort(),
  );
  for (const { prisonId: prison_id, plan } of stored) {
    const p = scenario.prisons.find((x) => x.prisonId === prison_id) as Scenario["prisons"][number];
    same(plan.machines.map((m) => m.machineId).sort(), p.machines.map((m) => m.machineId).sort());
    same(
      plan.machines.map((m) => m.priority),
      plan.machines.map((_, i) => i + 1),
    );
    const byItem = new Map<string, number>();
    for (const m of plan.machines)
      for (const s of m.slots) {
        const fill =
          plan.fillTo === "capacity"
            ? s.capacity + Math.ceil(s.safetyStock - 1e-9)
            : Math.min(s.max, s.capacity);
        same(
          s.projectedAtVisit + s.quantity,
          Math.max(fill, s.projectedAtVisit),
          `${m.machineId}/${s.slotId}`,
        );
        byItem.set(s.itemId, (byItem.get(s.itemId) ?? 0) + s.loadUnits);
      }
    same(new Map(plan.pickList.map((l) => [l.itemId, l.totalUnits])), byItem, `${prison_id} pick list`);
  }
  return { dispenseDays: expected.size, slots: params.rows.length, plans: stored.length };
}

const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Coverage: every figure before suppression equals the one computed from the ledger (docs/domain.md). */
export async function reconcileCoverage(db: Db, facts: readonly Fact[]): Promise<number> {
  const expected = coverageFromLedger(facts);
  const rows = await readAllFigures(db);
  const key = (f: Pick<LedgerFigure, "scope" | "grain" | "periodStart">) =>
    `${f.scope}|${f.grain}|${f.periodStart}`;
  const actual = new Map(
    rows.map((r) => {
      const f = Object.fromEntries(Object.entries(r).map(([k, v]) => [camel(k), v])) as Record<
        string,
        unknown
      >;
      return [key(f as unknown as LedgerFigure), f];
    }),
  );
  same([...actual.keys()].sort(), expected.map(key).sort());
  let compared = 0;
  for (const want of expected) {
    const got = actual.get(key(want)) ?? {};
    for (const [field, w] of Object.entries(want)) {
      const g = got[field];
      if (typeof w === "number" && typeof g === "number") {
        assert.ok(Math.abs(g - w) < 1e-9 * Math.max(1, Math.abs(w)), `${key(want)} ${field}: ${g} vs ${w}`);
      } else same(g, w, `${key(want)} ${field}`);
      compared++;
    }
  }
  return compared;
}

/** Every consumer's committed stream position. */
export async function positions(db: Db): Promise<Map<string, number>> {
  return committedPositions(db);
}

/** The alert type the stock service raises for a machine fault (services/stock/src/domain/alert-type.ts, documented there). */
const FAULT_CODES = [
  "jam",
  "card_reader",
  "tamper",
  "power_loss",
  "temperature",
  "door_open",
  "other",
] as const;
const faultAlert = (code: string) => (code === "door_open" ? "door_open" : `fault_${code}`);

/**
 * Machine facts beyond stock levels: every fault the ledger records (jams, card reader, tamper,
 * power loss, temperature alarms, door left open) as one alert per period with the ledger's
 * times; per slot, the stockout minutes and online minutes over the whole run (the availability
 * function Grafana reads) equal to the ledger's stockout and offline periods; every restock plan
 * starts from the ledger's stock of each slot when it was computed (after the run: the final one).
 */
export async function reconcileMachineFacts(
  db: Db,
  facts: readonly Fact[],
  /** The stock service's LOT_EXPIRING_DAYS (its default: 30). */
  lotExpiringDays = 30,
): Promise<{
  faults: number;
  excursions: number;
  /** temperature_out_of_range periods compared with the ledger's temperature alarms. */
  outOfRange: number;
  slots: number;
  planSlots: number;
  /** Slots whose availability % was compared with the ledger's, and the lowest such %. */
  availabilitySlots: number;
  minAvailabilityPct: number | null;
  /** lot_expiring periods compared with the ledger's lots (how many started at a date crossing). */
  lotExpiring: number;
  lotExpiringByDate: number;
  /** low_stock alerts whose raise was checked against the ledger's level change. */
  lowStock: number;
}> {
  let faults = 0;
  for (const code of FAULT_CODES) {
    const mine = facts.filter(
      (f) => (f.fact === "fault_start" || f.fact === "fault_end") && (f as { code: string }).code === code,
    );
    const want = ledgerPeriods(mine, "fault_start", "fault_end", (f) =>
      slotOf(f as { machineId: string; slotId?: string }),
    );
    same(await alertPeriods(db, faultAlert(code), slotOf), want, `${faultAlert(code)} alerts`);
    faults += [...want.values()].flat().length;
  }
  // A temperature excursion beyond the machine's alarm band is a temperature fault (compared above).
  const excursions = facts.filter((f) => f.fact === "temperature_excursion").length;
  // The service's own check of every heartbeat against the naloxone band (TEMPERATURE_MIN_C..MAX_C,
  // default 5..40 °C, docs/domain.md) gives the periods of the machines' own alarm, whose band is
  // 5..40 °C in every scenario: temperature_out_of_range per machine equals the ledger's alarms.
  const alarms = ledgerPeriods(
    facts.filter((f) => (f as { code?: string }).code === "temperature"),
    "fault_start",
    "fault_end",
    (f) => (f as { machineId: string }).machineId,
  );
  same(
    await alertPeriods(db, "temperature_out_of_range", (a) => a.machine_id),
    alarms,
    "temperature_out_of_range alerts",
  );

  const run = facts.find((f) => f.fact === "run_start") as Fact & { start: string; end: string };
  const [from, to] = [Date.parse(run.start), Date.parse(run.end)];
  const minutes = (periods: Period[] | undefined) =>
    (periods ?? []).reduce((n, p) => n + (Math.min(p.end ?? to, to) - Math.max(p.start, from)) / 60_000, 0);
  const stockouts = ledgerPeriods(facts, "stockout_start", "stockout_end", (f) =>
    slotOf(f as { machineId: string; slotId: string }),
  );
  const offline = ledgerPeriods(
    facts,
    "offline_start",
    "offline_end",
    (f) => (f as { machineId: string }).machineId,
  );
  const avail = await sql<{
    machine_id: string;
    slot_id: string;
    stockout_minutes: number;
    online_minutes: number;
    availability_pct: number | null;
  }>`
    SELECT machine_id, slot_id, stockout_minutes, online_minutes, availability_pct
    FROM reporting.slot_availability(${new Date(from)}, ${new Date(to)})`.execute(db);
  const slotsWithStock = new Set(facts.flatMap((f) => (f.fact === "stock" ? [slotOf(f as StockFact)] : [])));
  same(
    avail.rows.map((r) => slotOf(r)).sort(),
    [...slotsWithStock].sort(),
    "slots in the availability function",
  );
  const pct = ledgerAvailabilityPct(facts, from, to, offline);
  const defined = [...pct.values()].filter((v): v is number => v !== null);
  for (const r of avail.rows) {
    const key = slotOf(r);
    const near = (got: number, want: number, what: string) =>
      assert.ok(Math.abs(got - want) < 1e-6, `${key} ${what}: ${got} minutes, the ledger says ${want}`);
    near(r.stockout_minutes, minutes(stockouts.get(key)), "stockout");
    near(r.online_minutes, (to - from) / 60_000 - minutes(offline.get(r.machine_id)), "online");
    const want = pct.get(key);
    if (want === null || want === undefined)
      assert.equal(
        r.availability_pct,
        null,
        `${key} availability: ${r.availability_pct}, the ledger says undefined`,
      );
    else
      assert.ok(
        r.availability_pct !== null && Math.abs(r.availability_pct - want) < 1e-6,
        `${key} availability: ${r.availability_pct} %, the ledger says ${want} %`,
      );
  }

  const lastStock = new Map<string, number>();
  for (const f of facts)
    if (f.fact === "stock") lastStock.set(slotOf(f as StockFact), (f as StockFact).level);
  const plans = await currentPlans(db);
  let planSlots = 0;
  for (const { prisonId: prison_id, plan } of plans)
    for (const m of plan.machines)
      for (const s of m.slots) {
        const key = `${m.machineId}/${s.slotId}`;
        same(s.stockNow, lastStock.get(key) ?? 0, `${prison_id} plan ${key}: stock when planned`);
        assert.ok(
          s.projectedAtVisit <= s.stockNow,
          `${key}: projected ${s.projectedAtVisit} ≤ stock ${s.stockNow}`,
        );
        assert.ok(s.quantity >= 0, `${key}: quantity ${s.quantity} ≥ 0`);
        planSlots++;
      }
  const lots = await reconcileLotExpiry(db, facts, lotExpiringDays);
  return {
    faults,
    excursions,
    outOfRange: [...alarms.values()].flat().length,
    slots: avail.rows.length,
    planSlots,
    availabilitySlots: defined.length,
    minAvailabilityPct: defined.length > 0 ? Math.min(...defined) : null,
    lotExpiring: lots.periods,
    lotExpiringByDate: lots.byDate,
    lowStock: await reconcileLowStock(db, facts),
  };
}

/** The prison's IANA zone of every machine, from the ledger's reference events. */
function machineZones(facts: readonly Fact[]): Map<string, string> {
  const zoneOfPrison = new Map<string, string>();
  const prisonOfMachine = new Map<string, string>();
  for (const e of ledgerEvents(facts)) {
    if (e.kind === "ref_prison") zoneOfPrison.set(e.prisonId, e.timeZone);
    if (e.kind === "ref_machine") prisonOfMachine.set(e.machineId, e.prisonId);
  }
  return new Map([...prisonOfMachine].map(([m, p]) => [m, zoneOfPrison.get(p) ?? "UTC"]));
}

/** The calendar date `days` after `date` (YYYY-MM-DD). */
const plusDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * lot_expiring against the ledger's lots (docs/domain.md: "lot expiring within N days"; a lot is
 * usable through its expiry date in the prison's calendar): a slot's alert is active while it
 * holds units of a lot whose expiry date is at most N days after the local date. It starts at
 * the stock fact that loads such a lot, or, when a held lot's date comes within the window with no
 * stock change, at that local midnight; the service notices that at its live timer or the machine's
 * next event, so the raise must lie between the midnight and the machine's first event after it.
 * It ends at the stock fact that leaves no such units (or the machine's decommissioning).
 */
/** A lot_expiring period the ledger implies: raised in [start, latestStart], cleared at `end`. */
export interface LotExpiryPeriod {
  start: number;
  latestStart: number;
  end: number | null;
}

export function ledgerLotExpiry(
  facts: readonly Fact[],
  days: number,
): { want: Map<string, LotExpiryPeriod[]>; byDate: number } {
  const zones = machineZones(facts);
  const run = facts.find((f) => f.fact === "run_start") as Fact & { end: string };
  const decommissioned = new Map(
    facts.flatMap((f) =>
      f.fact === "machine_decommissioned" ? [[(f as { machineId: string }).machineId, Date.parse(f.t)]] : [],
    ),
  );
  const heard = new Map<string, number[]>();
  for (const e of ledgerEvents(facts)) {
    if (!("deviceTime" in e) || (e.kind === "status" && e.state === "offline")) continue;
    heard.set(e.machineId, [...(heard.get(e.machineId) ?? []), Date.parse(e.deviceTime)]);
  }
  for (const times of heard.values()) times.sort((a, b) => a - b);
  const bySlot = new Map<string, StockFact[]>();
  for (const f of facts)
    if (f.fact === "stock" && (f as StockFact).lots !== undefined)
      bySlot.set(slotOf(f as StockFact), [...(bySlot.get(slotOf(f as StockFact)) ?? []), f as StockFact]);

  const want = new Map<string, LotExpiryPeriod[]>();
  let byDate = 0;
  for (const [key, list] of bySlot) {
    const machineId = (list[0] as StockFact).machineId;
    const zone = zones.get(machineId) ?? "UTC";
    const stop = decommissioned.get(machineId) ?? Number.POSITIVE_INFINITY;
    const periods: LotExpiryPeriod[] = [];
    list.forEach((f, i) => {
      const from = Date.parse(f.t);
      const to = Math.min(
        i + 1 < list.length ? Date.parse((list[i + 1] as StockFact).t) : Date.parse(run.end),
        stop,
      );
      const open = periods.at(-1)?.end === null ? periods.at(-1) : undefined;
      const held = (f.lots ?? [])
        .filter((l) => l.quantity > 0)
        .map((l) => l.expiry)
        .sort();
      // The first local day on which the earliest held lot is within the window.
      const crossing =
        held[0] === undefined ? Number.POSITIVE_INFINITY : startOfLocalDay(plusDays(held[0], -days), zone);
      if (from >= stop) return;
      if (crossing <= from) {
        if (open === undefined) periods.push({ start: from, latestStart: from, end: null });
      } else {
        if (open !== undefined) open.end = from;
        if (crossing < to) {
          const next = (heard.get(machineId) ?? []).find((t) => t >= crossing) ?? Number.POSITIVE_INFINITY;
          periods.push({ start: crossing, latestStart: next, end: null });
          byDate++;
        }
      }
    });
    const last = periods.at(-1);
    if (last !== undefined && last.end === null && stop < Number.POSITIVE_INFINITY) last.end = stop;
    if (periods.length > 0) want.set(key, periods);
  }

  return { want, byDate };
}

async function reconcileLotExpiry(
  db: Db,
  facts: readonly Fact[],
  days: number,
): Promise<{ periods: number; byDate: number }> {
  const { want, byDate } = ledgerLotExpiry(facts, days);
  const got = await alertPeriods(db, "lot_expiring", slotOf);
  same([...got.keys()].sort(), [...want.keys()].sort(), "slots with lot_expiring alerts");
  let n = 0;
  for (const [key, expected] of want) {
    const actual = got.get(key) ?? [];
    const show = (p: { start: number; end: number | null }) =>
      `${new Date(p.start).toISOString()}–${p.end === null ? "open" : new Date(p.end).toISOString()}`;
    assert.equal(
      actual.length,
      expected.length,
      `${key} lot_expiring: ${actual.map(show).join(", ")}; the ledger says ${expected.map(show).join(", ")}`,
    );
    expected.forEach((w, i) => {
      const a = actual[i] as Period;
      assert.ok(
        a.start >= w.start && a.start <= w.latestStart,
        `${key} lot_expiring #${i + 1} raised at ${new Date(a.start).toISOString()}, the ledger says ${new Date(w.start).toISOString()}${w.latestStart > w.start ? ` (noticed by ${new Date(w.latestStart).toISOString()})` : ""}`,
      );
      assert.equal(
        a.end,
        w.end,
        `${key} lot_expiring #${i + 1} cleared at ${a.end}, the ledger says ${w.end}`,
      );
      n++;
    });
  }
  return { periods: n, byDate };
}

/**
 * low_stock against the ledger's levels. The Min is the reorder service's, recomputed as demand
 * comes in (a live input the ledger does not hold), so what is compared is what it cannot move:
 * every alert is raised at one of the slot's ledger level changes, with that change's level, below
 * the Min it names, which is at most the slot's capacity; a slot has one alert at a time.
 */
async function reconcileLowStock(db: Db, facts: readonly Fact[]): Promise<number> {
  // A visit removes and loads at one instant: every level the slot passed through then.
  const levels = new Map<string, number[]>();
  for (const f of facts)
    if (f.fact === "stock") {
      const k = `${slotOf(f as StockFact)}@${Date.parse(f.t)}`;
      levels.set(k, [...(levels.get(k) ?? []), (f as StockFact).level]);
    }
  const capacity = new Map<string, number>();
  for (const e of ledgerEvents(facts))
    if (e.kind === "ref_machine")
      for (const x of e.slots) capacity.set(`${e.machineId}/${x.slotId}`, x.capacity);
  const rows = await alertsOfTypeBySlot(db, "low_stock");
  let previous: { key: string; end: number | null } | undefined;
  for (const r of rows) {
    const key = slotOf(r);
    const at = r.raised_at.getTime();
    const m = /holds (-?\d+), below its min (\d+)/.exec(r.detail);
    assert.ok(m, `${key} low_stock detail '${r.detail}' names no level and Min`);
    const [level, min] = [Number(m[1]), Number(m[2])];
    const passed = levels.get(`${key}@${at}`) ?? [];
    assert.ok(
      passed.includes(level),
      `${key} low_stock raised at ${r.raised_at.toISOString()} holding ${level}: the ledger has ${passed.length > 0 ? `level ${passed.join(" then ")}` : "no level change"} then`,
    );
    assert.ok(level < min, `${key} low_stock at ${r.raised_at.toISOString()}: ${level} is not below ${min}`);
    assert.ok(min <= (capacity.get(key) ?? Number.POSITIVE_INFINITY), `${key}: Min ${min} above capacity`);
    if (r.cleared_at !== null)
      assert.ok(r.cleared_at.getTime() >= at, `${key} low_stock cleared before raised`);
    if (previous?.key === key)
      assert.ok(
        previous.end !== null && previous.end <= at,
        `${key}: two low_stock alerts at once (one from ${r.raised_at.toISOString()})`,
      );
    previous = { key, end: r.cleared_at?.getTime() ?? null };
  }
  return rows.length;
}

/**
 * low_stock as the run ends, the other direction (a missing alert): call once the stock service
 * has judged every machine with the reorder service's final Mins (support/stock-mins.ts). Each
 * slot of a machine the ledger has online and in service at the end has exactly one active
 * low_stock alert if its final ledger level is below its final Min in reorder.slot_parameters,
 * and none otherwise (a slot whose level was never reported, or with no Min, has none). A
 * decommissioned machine has none. A machine the ledger has offline at the end is judged again
 * only at its next event (the stock service's live timer judges machines believed online), so
 * its slots are counted as not judged, and hold at most one.
 */
export async function reconcileFinalLowStock(
  db: Db,
  facts: readonly Fact[],
): Promise<{ slots: number; below: number; notJudged: number }> {
  const level = new Map<string, number>();
  for (const f of facts) if (f.fact === "stock") level.set(slotOf(f as StockFact), (f as StockFact).level);
  const decommissioned = new Set(
    facts.flatMap((f) =>
      f.fact === "machine_decommissioned" ? [(f as { machineId: string }).machineId] : [],
    ),
  );
  const offline = ledgerPeriods(
    facts,
    "offline_start",
    "offline_end",
    (f) => (f as { machineId: string }).machineId,
  );
  const offlineAtEnd = new Set([...offline].flatMap(([m, p]) => (p.at(-1)?.end === null ? [m] : [])));
  const min = await slotMins(db);
  const active = await activeAlertCounts(db, "low_stock");
  const alerts = new Map(active.map((r) => [slotOf(r), r.n]));
  let [slots, below, notJudged] = [0, 0, 0];
  for (const key of new Set([...min.keys(), ...level.keys(), ...alerts.keys()])) {
    const machine = key.slice(0, key.lastIndexOf("/"));
    const n = alerts.get(key) ?? 0;
    const [l, m] = [level.get(key), min.get(key)];
    const state = `final level ${l ?? "never reported"}, final Min ${m ?? "none"}`;
    if (offlineAtEnd.has(machine) && !decommissioned.has(machine)) {
      assert.ok(n <= 1, `${key}: ${n} active low_stock alerts`);
      notJudged++;
      continue;
    }
    const want = !decommissioned.has(machine) && l !== undefined && m !== undefined && l < m ? 1 : 0;
    assert.equal(
      n,
      want,
      `${key}: ${n} active low_stock alert(s), the ledger and reorder say ${want} (${state}${decommissioned.has(machine) ? ", decommissioned" : ""})`,
    );
    slots++;
    below += want;
  }
  return { slots, below, notJudged };
}

type Span = [number, number];

/** Half-open spans, merged and sorted. */
function merge(spans: Span[]): Span[] {
  const out: Span[] = [];
  for (const [a, b] of [...spans].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0])) {
    const last = out.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}
function intersect(x: Span[], y: Span[]): Span[] {
  const out: Span[] = [];
  for (const [a, b] of x)
    for (const [c, d] of y) if (Math.max(a, c) < Math.min(b, d)) out.push([Math.max(a, c), Math.min(b, d)]);
  return merge(out);
}
const spanMinutes = (x: Span[]) => x.reduce((n, [a, b]) => n + (b - a) / 60_000, 0);

/** The instant a local calendar day starts in a time zone (searched, not derived from the service's code). */
function startOfLocalDay(date: string, timeZone: string): number {
  const fmt = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  const local = (t: number) => {
    const p = Object.fromEntries(fmt.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
    return `${p["year"]}-${p["month"]}-${p["day"]}`;
  };
  // The first minute whose local date is `date`: start 16 h before UTC midnight, step by minutes.
  let t = Date.parse(`${date}T00:00:00Z`) - 16 * 3_600_000;
  while (local(t) < date) t += 60_000;
  return t;
}

/**
 * docs/domain.md's availability % per slot from the ledger alone: the share of the time its machine was
 * online (the run minus the ledger's offline periods) during which the slot had stock > 0, over the
 * time its level was known (from its first stock fact); units past their expiry date (usable
 * through the expiry day, in the prison's local calendar) are not stock. Null when the slot was
 * never known while online.
 */
function ledgerAvailabilityPct(
  facts: readonly Fact[],
  from: number,
  to: number,
  offline: Map<string, Period[]>,
): Map<string, number | null> {
  const zoneOfPrison = new Map<string, string>();
  const prisonOfMachine = new Map<string, string>();
  for (const e of ledgerEvents(facts)) {
    if (e.kind === "ref_prison") zoneOfPrison.set(e.prisonId, e.timeZone);
    if (e.kind === "ref_machine") prisonOfMachine.set(e.machineId, e.prisonId);
  }
  const bySlot = new Map<string, StockFact[]>();
  for (const f of facts)
    if (f.fact === "stock")
      bySlot.set(slotOf(f as StockFact), [...(bySlot.get(slotOf(f as StockFact)) ?? []), f as StockFact]);
  const out = new Map<string, number | null>();
  for (const [key, list] of bySlot) {
    const f0 = list[0] as StockFact & { machineId: string };
    const zone = zoneOfPrison.get(prisonOfMachine.get(f0.machineId) ?? "") ?? "UTC";
    const online = merge([[from, to]]).flatMap(([a, b]) => {
      const off = merge(
        (offline.get(f0.machineId) ?? []).map((p) => [p.start, p.end ?? Number.POSITIVE_INFINITY] as Span),
      );
      const on: Span[] = [];
      let at = a;
      for (const [c, d] of off) {
        if (c > at) on.push([at, Math.min(c, b)]);
        at = Math.max(at, d);
      }
      if (at < b) on.push([at, b]);
      return on;
    });
    const known: Span[] = [];
    const stocked: Span[] = [];
    list.forEach((f, i) => {
      const start = Date.parse(f.t);
      const end = i + 1 < list.length ? Date.parse((list[i + 1] as StockFact).t) : Number.POSITIVE_INFINITY;
      known.push([start, end]);
      if (f.level <= 0) return;
      const lots = (f.lots ?? []).filter((l) => l.quantity > 0);
      const expiries = lots.map((l) => l.expiry);
      const usable =
        lots.length === 0 || expiries.some((x) => !x)
          ? Number.POSITIVE_INFINITY
          : startOfLocalDay(
              new Date(Date.parse(`${[...expiries].sort().at(-1)}T00:00:00Z`) + 86_400_000)
                .toISOString()
                .slice(0, 10),
              zone,
            );
      stocked.push([start, Math.min(end, usable)]);
    });
    const knownOnline = spanMinutes(intersect(merge(known), online));
    out.set(
      key,
      knownOnline > 0 ? (100 * spanMinutes(intersect(merge(stocked), online))) / knownOnline : null,
    );
  }
  return out;
}
