import {
  cardTokenKey,
  type LedgerFact,
  loadScenario,
  Simulation,
  type SimulationOptions,
} from "@hrvend/devices";
import {
  DEFAULT_FILL_TO,
  DEFAULT_Z,
  dailyForecast,
  demandBySlot,
  dispenseRecord,
  type FillTo,
  type ForecastAccuracy,
  type ForecastPoint,
  forecastAccuracy,
  type Interval,
  intersectIntervals,
  type LevelReading,
  type LotStock,
  levelReading,
  mergeIntervals,
  overlapMs,
  restockPlan,
  type SlotSpec,
  slotSpecs,
  type WeekdayFactors,
} from "@hrvend/reorder";
import { LocalCalendar, type LocalDate } from "@hrvend/runtime/time";
import type { EventOf, HrEvent } from "@hrvend/schemas";

/**
 * Does planning outreach loads with hrvend's reorder domain (docs/domain.md §Stock, availability,
 * reorder") leave machines empty for less time than the scenarios' fixed policy?
 *
 * Each case runs one scenario with one seed for `days` in memory: (a) the scenario's fixed policy
 * (capacity − level at plan time + extraShare × capacity, machines in scenario order), then (b)
 * the same scenario, seed and days with an outreach planner that knows only what hrvend would have
 * received by plan time (the prison's events) and plans like the reorder service: demand per slot
 * over a recent window (adjusted consumption, weekday pattern, σ), MSH max-min with the scenario's
 * lead time and review interval = visit interval, stock projected at the visit, quantity = Max −
 * projected (within capacity) plus expiring naloxone lots to replace, machines in plan priority.
 * Who comes when draws from the prisons' own random streams, so both runs face the same people;
 * only what follows from the stock (refusals, jams) differs.
 *
 * Run (b) is repeated with documented policy variants (same for every scenario and seed): the
 * headline is `hrvend`, the plan exactly as the reorder domain computes it.
 */

/** The planning policy of run (b). */
export interface ReorderPolicy {
  /** Complete local days of history demand is measured over (fewer at the start of a run). */
  windowDays: number;
  /** Safety stock factor of max-min (1.65 ≈ 95 % cycle service level). */
  z: number;
  /**
   * Period the safety stock covers: `lead_time` (docs/domain.md: z·σ·√L, maxMin as is) or
   * `protection_period` (periodic review: z·σ·√(L + R), passed to maxMin as z·√((L + R)/L)).
   */
  safetyStockOver: "lead_time" | "protection_period";
  /**
   * Level a visit fills a slot to: max-min's `max` (quantity = Max − projected), or the slot's
   * `capacity`: quantity = capacity − projected + the lead-time safety stock z·σ·√L, so that the
   * slot is still filled up when the lead time saw more demand than forecast (the team loads up to
   * capacity and takes the rest back: the fixed policy's margin, sized by σ instead of capacity).
   */
  fillTo: FillTo;
}

/** The restock plan as the reorder service computes it with its defaults (the headline). */
export const HRVEND_POLICY: ReorderPolicy = {
  windowDays: 28,
  z: DEFAULT_Z,
  safetyStockOver: "lead_time",
  fillTo: DEFAULT_FILL_TO,
};

/** The headline and the variants it is compared with (same for every scenario and seed). */
export const POLICY_VARIANTS: Record<string, ReorderPolicy> = {
  hrvend: HRVEND_POLICY,
  /** docs/domain.md §Max-min as written: quantity = Max − projected (the service's FILL_TO=max). */
  maxMin: { ...HRVEND_POLICY, fillTo: "max" },
  /** Max − projected with periodic-review safety stock: demand swings until the next visit too. */
  protectionPeriod: { ...HRVEND_POLICY, fillTo: "max", safetyStockOver: "protection_period" },
};

export interface RunFigures {
  /** Minutes slots spent at 0 (ledger stockout_start/end, clipped to the run), summed over slots. */
  stockoutMinutes: number;
  /** Stockouts that lasted (a slot emptied of expiring lots and refilled in the same instant is none). */
  stockoutPeriods: number;
  /**
   * Minutes a machine had none of an item (all its slots of that item at 0), summed over machine ×
   * item: what people at the machine see. A machine vends from its first stocked slot, so the first
   * of two slots of an item running dry is a slot stockout but no unavailability.
   */
  itemUnavailableMinutes: number;
  /** Units loaded at outreach visits (commissioning excluded). */
  unitsLoaded: number;
  /** Naloxone units removed at visits because their lot expired before the next visit. */
  unitsExpired: number;
  /** Time-weighted mean of the units in all slots together. */
  meanUnitsInMachines: number;
  warehouseShortages: number;
  warehouseShortUnits: number;
  visits: number;
  dispensed: number;
}

export type ForecastSummary = Pick<
  ForecastAccuracy,
  "days" | "totalForecast" | "totalActual" | "mae" | "wape" | "mape" | "mapeDays" | "bias"
>;

/**
 * Each plan's daily forecast per machine × item (the unit demand is measured in) against the
 * ledger's dispenses on each of the `intervalDays` local days after the plan (complete days inside
 * the run). `all` uses every day, as asked; `inStock` only days the item never ran out at the
 * machine (on the others dispenses are censored demand).
 */
export interface ForecastFigures {
  plans: number;
  all: ForecastSummary;
  inStock: ForecastSummary;
}

export interface PlannedRun extends RunFigures {
  /** This run's / the fixed policy's stockout minutes (< 1 = fewer); null when the fixed policy had none. */
  stockoutRatio: number | null;
  itemUnavailableRatio: number | null;
  forecast: ForecastFigures;
}

export interface ReorderCase {
  scenario: string;
  seed: string;
  days: number;
  naive: RunFigures;
  /** Run (b) per policy (keys of `policies`). */
  planned: Record<string, PlannedRun>;
  seconds: number;
}

export interface PolicySummary {
  naiveStockoutMinutes: number;
  stockoutMinutes: number;
  naiveItemUnavailableMinutes: number;
  itemUnavailableMinutes: number;
  naiveUnitsLoaded: number;
  unitsLoaded: number;
  /** Cases with fewer / more / as many stockout minutes as the fixed policy. */
  casesFewer: number;
  casesMore: number;
  casesTied: number;
  /**
   * Fewer stockout minutes than the fixed policy over all cases together, and more in none (a
   * scenario with ample capacity can have none under either policy: a tie there is no failure).
   */
  fewerStockoutMinutes: boolean;
  /** Forecast error over every case's plans. */
  forecast: { all: ForecastSummary; inStock: ForecastSummary };
}

export interface ReorderBench {
  days: number;
  scenarios: string[];
  seeds: string[];
  /** Lead time and review interval are each prison's `outreach.leadTimeDays` and `intervalDays`. */
  policies: Record<string, ReorderPolicy>;
  headline: string;
  cases: ReorderCase[];
  summary: Record<string, PolicySummary>;
  /** The headline policy's summary.fewerStockoutMinutes. */
  met: { fewerStockoutMinutes: boolean };
  seconds: number;
}

export interface ReorderBenchOptions {
  days?: number;
  seeds?: readonly string[];
  scenarios?: readonly string[];
  policies?: Record<string, ReorderPolicy>;
  /** Key of `policies` that decides `met` (default `hrvend`). */
  headline?: string;
}

const MINUTE_MS = 60_000;

/**
 * Runs every scenario × seed with the fixed policy and with each planning policy, and reports what
 * the ledgers say. Default: `small` and `pilot`, seeds bench-1…3, 60 days (~15 s).
 */
export async function reorderBench(
  log: (s: string) => void,
  options: ReorderBenchOptions = {},
): Promise<ReorderBench> {
  const t0 = performance.now();
  const days = options.days ?? 60;
  const seeds = [...(options.seeds ?? ["bench-1", "bench-2", "bench-3"])];
  const scenarios = [...(options.scenarios ?? ["small", "pilot"])];
  const policies = options.policies ?? POLICY_VARIANTS;
  const headline = options.headline ?? "hrvend";
  const cases: ReorderCase[] = [];
  const points = new Map<string, TaggedPoint[]>(Object.keys(policies).map((p) => [p, []]));
  for (const scenario of scenarios) {
    for (const seed of seeds) {
      log(
        `reorder: ${scenario}, seed ${seed}, ${days} days: fixed policy vs ${Object.keys(policies).join(", ")}`,
      );
      const c = runCase(scenario, seed, days, policies);
      cases.push(c.result);
      for (const [p, list] of c.points) points.get(p)?.push(...list);
      await new Promise((r) => setImmediate(r));
    }
  }
  const summary: Record<string, PolicySummary> = {};
  for (const name of Object.keys(policies)) {
    const runs = cases.map((c) => ({ naive: c.naive, run: c.planned[name] as PlannedRun }));
    const sum = (f: (r: (typeof runs)[number]) => number) => runs.reduce((n, r) => n + f(r), 0);
    const fewer = runs.filter((r) => r.run.stockoutMinutes < r.naive.stockoutMinutes).length;
    const more = runs.filter((r) => r.run.stockoutMinutes > r.naive.stockoutMinutes).length;
    summary[name] = {
      naiveStockoutMinutes: sum((r) => r.naive.stockoutMinutes),
      stockoutMinutes: sum((r) => r.run.stockoutMinutes),
      naiveItemUnavailableMinutes: sum((r) => r.naive.itemUnavailableMinutes),
      itemUnavailableMinutes: sum((r) => r.run.itemUnavailableMinutes),
      naiveUnitsLoaded: sum((r) => r.naive.unitsLoaded),
      unitsLoaded: sum((r) => r.run.unitsLoaded),
      casesFewer: fewer,
      casesMore: more,
      casesTied: runs.length - fewer - more,
      fewerStockoutMinutes:
        more === 0 && sum((r) => r.run.stockoutMinutes) < sum((r) => r.naive.stockoutMinutes),
      forecast: summarisePoints(points.get(name) ?? []),
    };
  }
  return {
    days,
    scenarios,
    seeds,
    policies: { ...policies },
    headline,
    cases,
    summary,
    met: { fewerStockoutMinutes: summary[headline]?.fewerStockoutMinutes ?? false },
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
}

// ---------------------------------------------------------------- one case

interface TaggedPoint extends ForecastPoint {
  inStock: boolean;
}

function runCase(
  name: string,
  seed: string,
  days: number,
  policies: Record<string, ReorderPolicy>,
): { result: ReorderCase; points: Map<string, TaggedPoint[]> } {
  const t0 = performance.now();
  const { scenario } = loadScenario(name);
  const naive = figures(simulate(scenario, seed, days));
  const planned: Record<string, PlannedRun> = {};
  const points = new Map<string, TaggedPoint[]>();
  for (const [policyName, policy] of Object.entries(policies)) {
    const forecasts: PlanForecast[] = [];
    const ledger = simulate(
      scenario,
      seed,
      days,
      hrvendPlanner(policy, (f) => forecasts.push(f)),
    );
    const run = figures(ledger);
    const tagged = forecastPoints(ledger, forecasts);
    points.set(policyName, tagged);
    planned[policyName] = {
      ...run,
      stockoutRatio: ratio(run.stockoutMinutes, naive.stockoutMinutes),
      itemUnavailableRatio: ratio(run.itemUnavailableMinutes, naive.itemUnavailableMinutes),
      forecast: { plans: forecasts.length, ...summarisePoints(tagged) },
    };
  }
  return {
    result: { scenario: name, seed, days, naive, planned, seconds: round((performance.now() - t0) / 1000) },
    points,
  };
}

function ratio(a: number, b: number): number | null {
  return b > 0 ? round(a / b) : null;
}

// ---------------------------------------------------------------- running the simulator in memory

type Planner = NonNullable<SimulationOptions["outreachPlanner"]>;
type Scenario = ReturnType<typeof loadScenario>["scenario"];

/** What the benchmark keeps of a run's ledger (the rest is dropped as it comes). */
interface Ledger {
  start: number;
  end: number;
  /** Per machine/slot: level changes (t, level), in time order. */
  levels: Map<string, { t: number; level: number }[]>;
  stockouts: Map<string, Interval[]>;
  openStockouts: Map<string, number>;
  /** Per machine/item: the slot keys, and per local date (prison zone) the units dispensed. */
  slotsOfPool: Map<string, string[]>;
  dispensedByPoolDay: Map<string, number>;
  zoneOfMachine: Map<string, string>;
  dispensed: number;
  unitsLoaded: number;
  unitsExpired: number;
  visits: number;
  warehouseShortages: number;
  warehouseShortUnits: number;
}

function simulate(scenario: Scenario, seed: string, days: number, planner?: Planner): Ledger {
  const zoneOfMachine = new Map<string, string>();
  const slotsOfPool = new Map<string, string[]>();
  for (const p of scenario.prisons)
    for (const m of p.machines) {
      zoneOfMachine.set(m.machineId, p.timeZone);
      for (const s of m.slots) {
        const pool = `${m.machineId}/${s.itemId}`;
        slotsOfPool.set(pool, [...(slotsOfPool.get(pool) ?? []), `${m.machineId}/${s.slotId}`]);
      }
    }
  const ledger: Ledger = {
    start: 0,
    end: 0,
    levels: new Map(),
    stockouts: new Map(),
    openStockouts: new Map(),
    slotsOfPool,
    dispensedByPoolDay: new Map(),
    zoneOfMachine,
    dispensed: 0,
    unitsLoaded: 0,
    unitsExpired: 0,
    visits: 0,
    warehouseShortages: 0,
    warehouseShortUnits: 0,
  };
  const onFact = (t: number, fact: LedgerFact, payload?: string) => {
    switch (fact.fact) {
      case "stock": {
        const key = `${fact.machineId}/${fact.slotId}`;
        const list = ledger.levels.get(key) ?? [];
        list.push({ t, level: fact.level });
        ledger.levels.set(key, list);
        if (fact.cause === "dispense") {
          const zone = zoneOfMachine.get(fact.machineId) ?? "UTC";
          const day = `${fact.machineId}/${fact.itemId}/${LocalCalendar.for(zone).dateOf(t)}`;
          ledger.dispensedByPoolDay.set(day, (ledger.dispensedByPoolDay.get(day) ?? 0) - fact.delta);
          ledger.dispensed -= fact.delta;
        }
        break;
      }
      case "stockout_start":
        ledger.openStockouts.set(`${fact.machineId}/${fact.slotId}`, t);
        break;
      case "stockout_end": {
        const key = `${fact.machineId}/${fact.slotId}`;
        const from = ledger.openStockouts.get(key);
        if (from !== undefined) {
          ledger.stockouts.set(key, [...(ledger.stockouts.get(key) ?? []), { from, to: t }]);
          ledger.openStockouts.delete(key);
        }
        break;
      }
      case "outreach_planned":
        ledger.visits++;
        break;
      case "warehouse_short":
        ledger.warehouseShortages++;
        ledger.warehouseShortUnits += fact.wanted - fact.loaded;
        break;
      case "event":
        if (payload === undefined) break;
        if (payload.includes('"kind":"restock"')) {
          const e = JSON.parse(payload) as EventOf<"restock">;
          if (e.visitId !== "commissioning") ledger.unitsLoaded += e.quantity;
        } else if (payload.includes('"kind":"stock_adjustment"')) {
          const e = JSON.parse(payload) as EventOf<"stock_adjustment">;
          if (e.reason === "expired") ledger.unitsExpired -= e.delta;
        }
        break;
      default:
    }
  };
  const sim = new Simulation(
    scenario,
    {
      seed,
      days,
      cardTokenKey: cardTokenKey("reorder-bench-secret"),
      ...(planner === undefined ? {} : { outreachPlanner: planner }),
    },
    { deliver() {}, fact: onFact },
  );
  ledger.start = sim.startTime;
  ledger.end = sim.endTime;
  sim.runUntil(sim.endTime);
  sim.finish();
  // Stockouts still open at the end of the run are clipped to it.
  for (const [key, from] of ledger.openStockouts)
    ledger.stockouts.set(key, [...(ledger.stockouts.get(key) ?? []), { from, to: ledger.end }]);
  ledger.openStockouts.clear();
  return ledger;
}

function figures(l: Ledger): RunFigures {
  const run = { from: l.start, to: l.end };
  let stockoutMs = 0;
  let periods = 0;
  for (const list of l.stockouts.values()) {
    stockoutMs += overlapMs(mergeIntervals(list), run);
    periods += list.filter((i) => i.to > i.from && i.to > run.from && i.from < run.to).length;
  }
  let unavailableMs = 0;
  for (const slots of l.slotsOfPool.values())
    unavailableMs += overlapMs(
      intersectIntervals(slots.map((s) => mergeIntervals(l.stockouts.get(s) ?? []))),
      run,
    );
  let unitMs = 0;
  for (const list of l.levels.values()) {
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      if (c === undefined) continue;
      const until = list[i + 1]?.t ?? l.end;
      unitMs += c.level * (Math.min(until, l.end) - Math.max(c.t, l.start));
    }
  }
  return {
    stockoutMinutes: Math.round(stockoutMs / MINUTE_MS),
    stockoutPeriods: periods,
    itemUnavailableMinutes: Math.round(unavailableMs / MINUTE_MS),
    unitsLoaded: l.unitsLoaded,
    unitsExpired: l.unitsExpired,
    meanUnitsInMachines: round(unitMs / (l.end - l.start)),
    warehouseShortages: l.warehouseShortages,
    warehouseShortUnits: l.warehouseShortUnits,
    visits: l.visits,
    dispensed: l.dispensed,
  };
}

// ---------------------------------------------------------------- hrvend's planner

/** A plan's daily forecast per machine × item, kept to score against the ledger afterwards. */
interface PlanForecast {
  timeZone: string;
  planAt: number;
  intervalDays: number;
  pools: { machineId: string; itemId: string; averageDaily: number; weekdayFactors: WeekdayFactors }[];
}

/**
 * The outreach planner hrvend's reorder service would be, fed with what it has received by plan
 * time (the prison's events). `onForecast` only records the demand forecast for scoring; the plan
 * depends on the request alone.
 */
export function hrvendPlanner(
  policy: ReorderPolicy,
  onForecast: (f: PlanForecast) => void = () => {},
): Planner {
  return (request) => {
    const events = request.events();
    const timeZone =
      events.find((e): e is EventOf<"ref_prison"> => e.kind === "ref_prison")?.timeZone ?? request.timeZone;
    const calendar = LocalCalendar.for(timeZone);
    const refSlots: SlotSpec[] = events
      .filter((e): e is EventOf<"ref_machine"> => e.kind === "ref_machine")
      .flatMap(slotSpecs);
    const slots: SlotSpec[] =
      refSlots.length > 0
        ? refSlots
        : request.machines.flatMap((m) => m.slots.map((s) => ({ machineId: m.machineId, ...s })));
    const state = slotState(events);

    // History starts with the first event received (the machines' commissioning): only complete
    // local days after it count, up to `windowDays`.
    const firstAt = events.reduce((t, e) => Math.min(t, eventTime(e)), Number.POSITIVE_INFINITY);
    const firstDay = Number.isFinite(firstAt)
      ? firstCompleteDay(calendar, firstAt)
      : calendar.dateOf(request.planAt);
    const history = LocalCalendar.daysBetween(firstDay, calendar.dateOf(request.planAt));
    const windowDays = Math.min(policy.windowDays, history);

    const demand =
      windowDays >= 1
        ? demandBySlot({
            prisonId: request.prisonId,
            timeZone,
            now: request.planAt,
            windowDays,
            slots,
            dispenses: events
              .filter((e): e is EventOf<"dispense"> => e.kind === "dispense")
              .map(dispenseRecord),
            availability: slots.map((s) => ({
              machineId: s.machineId,
              slotId: s.slotId,
              availability: { kind: "levels", levelAtStart: 0, changes: state.get(key(s))?.changes ?? [] },
            })),
          })
        : null;
    if (demand !== null)
      onForecast({
        timeZone,
        planAt: request.planAt,
        intervalDays: request.outreach.intervalDays,
        pools: demand.pools
          .filter((p) => p.estimate.source !== "none")
          .map((p) => ({
            machineId: p.machineId,
            itemId: p.itemId,
            averageDaily: p.estimate.averageDaily,
            weekdayFactors: p.estimate.weekdayFactors,
          })),
      });

    const plan = restockPlan({
      prisonId: request.prisonId,
      timeZone,
      now: request.planAt,
      visitAt: request.visitAt,
      followingVisitAt: request.nextVisitAt,
      leadTimeDays: request.outreach.leadTimeDays,
      reviewIntervalDays: request.outreach.intervalDays,
      fillTo: policy.fillTo,
      z:
        policy.safetyStockOver === "lead_time" || request.outreach.leadTimeDays <= 0
          ? policy.z
          : policy.z *
            Math.sqrt(
              (request.outreach.leadTimeDays + request.outreach.intervalDays) / request.outreach.leadTimeDays,
            ),
      machines: request.machines.map((m) => ({
        machineId: m.machineId,
        slots: m.slots.map((s) => {
          const st = state.get(key({ machineId: m.machineId, slotId: s.slotId }));
          const d = demand?.slots.find((x) => x.machineId === m.machineId && x.slotId === s.slotId);
          return {
            slotId: s.slotId,
            itemId: s.itemId,
            capacity: s.capacity,
            stock: Math.min(s.capacity, st?.level ?? 0),
            lots: st?.lots ?? [],
            demand: d ?? { averageDaily: 0, weekdayFactors: [1, 1, 1, 1, 1, 1, 1], sigmaDaily: 0 },
          };
        }),
      })),
    });
    // Without any observation of a slot (no complete day of history yet, nothing in the prison
    // observed) there is no demand to size Max or the lead-time consumption with: the team brings a
    // full slot's worth, loads up to capacity and takes the rest back.
    const unknown = new Set(
      request.machines.flatMap((m) =>
        m.slots
          .filter((s) => {
            const d = demand?.slots.find((x) => x.machineId === m.machineId && x.slotId === s.slotId);
            return d === undefined || d.source === "none";
          })
          .map((s) => key({ machineId: m.machineId, slotId: s.slotId })),
      ),
    );
    return {
      lines: plan.machines.flatMap((m) =>
        m.slots.map((s) => ({
          machineId: m.machineId,
          slotId: s.slotId,
          quantity: unknown.has(key({ machineId: m.machineId, slotId: s.slotId })) ? s.capacity : s.loadUnits,
        })),
      ),
      machineOrder: plan.machines.map((m) => m.machineId),
    };
  };
}

interface SlotState {
  changes: (LevelReading & { machineId: string; slotId: string })[];
  level: number;
  lots: LotStock[];
}

/** Per slot, from the events received: level history, the latest level, and naloxone lots (restock lots minus FEFO dispenses and removals). */
function slotState(events: readonly HrEvent[]): Map<string, SlotState> {
  const out = new Map<string, SlotState>();
  const stockEvents = events
    .filter(
      (e): e is EventOf<"dispense" | "restock" | "stock_adjustment"> =>
        e.kind === "dispense" || e.kind === "restock" || e.kind === "stock_adjustment",
    )
    .map((e) => ({ e, c: levelReading(e) }))
    .sort((a, b) => a.c.at - b.c.at || (a.c.seq ?? 0) - (b.c.seq ?? 0));
  for (const { e, c } of stockEvents) {
    const k = key(e);
    const s = out.get(k) ?? { changes: [], level: 0, lots: [] };
    s.changes.push(c);
    s.level = c.level;
    if (e.kind === "restock") {
      for (const l of e.lots ?? []) {
        const same = s.lots.find((x) => x.lotId === l.lotId);
        if (same) same.quantity += l.quantity;
        else s.lots.push({ lotId: l.lotId, expiry: l.expiry as LocalDate, quantity: l.quantity });
      }
      s.lots.sort((a, b) =>
        a.expiry < b.expiry ? -1 : a.expiry > b.expiry ? 1 : a.lotId < b.lotId ? -1 : 1,
      );
    } else if (e.kind === "dispense") {
      takeFromLots(s.lots, e.lotId, e.quantity);
    } else if (e.delta < 0) {
      takeFromLots(s.lots, e.lotId, -e.delta);
    }
    s.lots = s.lots.filter((l) => l.quantity > 0);
    out.set(k, s);
  }
  return out;
}

function takeFromLots(lots: LotStock[], lotId: string | undefined, units: number): void {
  let left = units;
  const named = lotId === undefined ? undefined : lots.find((l) => l.lotId === lotId);
  for (const l of named === undefined ? lots : [named, ...lots]) {
    const n = Math.min(left, l.quantity);
    l.quantity -= n;
    left -= n;
    if (left === 0) return;
  }
}

function key(s: { machineId: string; slotId: string }): string {
  return `${s.machineId}/${s.slotId}`;
}

function eventTime(e: HrEvent): number {
  return Date.parse("deviceTime" in e ? e.deviceTime : e.time);
}

/** The first local day that starts at or after `t`. */
function firstCompleteDay(calendar: LocalCalendar, t: number): LocalDate {
  const date = calendar.dateOf(t);
  return calendar.startOfDay(date) >= t ? date : LocalCalendar.addDays(date, 1);
}

// ---------------------------------------------------------------- forecast accuracy

/** Each plan's forecast for each of the `intervalDays` local days after it, against the ledger's dispenses. */
function forecastPoints(ledger: Ledger, plans: readonly PlanForecast[]): TaggedPoint[] {
  const points: TaggedPoint[] = [];
  const poolOut = new Map<string, Interval[]>();
  for (const [pool, slots] of ledger.slotsOfPool)
    poolOut.set(pool, intersectIntervals(slots.map((s) => mergeIntervals(ledger.stockouts.get(s) ?? []))));
  for (const plan of plans) {
    const calendar = LocalCalendar.for(plan.timeZone);
    const planDay = calendar.dateOf(plan.planAt);
    for (let i = 1; i <= plan.intervalDays; i++) {
      const date = LocalCalendar.addDays(planDay, i);
      const day = {
        from: calendar.startOfDay(date),
        to: calendar.startOfDay(LocalCalendar.addDays(date, 1)),
      };
      if (day.to > ledger.end) break;
      for (const p of plan.pools) {
        const pool = `${p.machineId}/${p.itemId}`;
        points.push({
          forecast: dailyForecast(p, date),
          actual: ledger.dispensedByPoolDay.get(`${pool}/${date}`) ?? 0,
          inStock: overlapMs(poolOut.get(pool) ?? [], day) === 0,
        });
      }
    }
  }
  return points;
}

function summarisePoints(points: readonly TaggedPoint[]): { all: ForecastSummary; inStock: ForecastSummary } {
  return {
    all: summary(forecastAccuracy(points)),
    inStock: summary(forecastAccuracy(points.filter((p) => p.inStock))),
  };
}

function summary(a: ForecastAccuracy): ForecastSummary {
  const r = (x: number | null) => (x === null ? null : round(x));
  return {
    days: a.days,
    totalForecast: round(a.totalForecast),
    totalActual: a.totalActual,
    mae: r(a.mae),
    wape: r(a.wape),
    mape: r(a.mape),
    mapeDays: a.mapeDays,
    bias: r(a.bias),
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
