import { cardTokenKey, type LedgerFact, loadScenario, Simulation } from "@hrvend/devices";
import { type EventOf, type HrEvent, parseEvent } from "@hrvend/schemas";
import { beforeAll, describe, expect, it } from "vitest";
import {
  type DemandBySlot,
  demandBySlot,
  dispenseRecord,
  type ForecastPoint,
  forecastAccuracy,
  type LevelReading,
  LocalCalendar,
  levelReading,
  nextVisit,
  restockPlan,
  type SlotSpec,
  slotSpecs,
  type VisitSchedule,
} from "./index";

const DAYS = 28;
const { scenario } = loadScenario("small");

interface Run {
  events: HrEvent[];
  facts: { t: number; fact: LedgerFact }[];
  endTime: number;
}

/** The `small` scenario for 28 days, in memory, as a subscriber would receive it, plus the ground-truth ledger. */
function simulate(seed: string): Run {
  const events: HrEvent[] = [];
  const facts: Run["facts"] = [];
  const sim = new Simulation(
    scenario,
    { seed, days: DAYS, cardTokenKey: cardTokenKey("reorder-test-secret") },
    {
      deliver(item) {
        if (item.type === "event" || item.type === "will") events.push(parseEvent(JSON.parse(item.payload)));
      },
      fact(t, fact) {
        facts.push({ t, fact });
      },
    },
  );
  sim.runUntil(sim.endTime);
  sim.finish();
  return { events, facts, endTime: sim.endTime };
}

const ofKind = <K extends HrEvent["kind"]>(events: HrEvent[], kind: K) =>
  events.filter((e): e is EventOf<K> => e.kind === kind);

/** What an adapter would feed demandBySlot for one prison, from the events alone. */
function demandOf(run: Run, prisonId: string): DemandBySlot {
  const prison = ofKind(run.events, "ref_prison").find((e) => e.prisonId === prisonId)!;
  const slots: SlotSpec[] = ofKind(run.events, "ref_machine")
    .filter((e) => e.prisonId === prisonId)
    .flatMap(slotSpecs);
  const mine = run.events.filter((e) => e.prisonId === prisonId);
  const levels = new Map<string, LevelReading[]>();
  for (const e of mine) {
    if (e.kind !== "dispense" && e.kind !== "restock" && e.kind !== "stock_adjustment") continue;
    const c = levelReading(e);
    const key = `${c.machineId}/${c.slotId}`;
    levels.set(key, [...(levels.get(key) ?? []), c]);
  }
  return demandBySlot({
    prisonId,
    timeZone: prison.timeZone,
    now: run.endTime,
    windowDays: DAYS,
    slots,
    dispenses: ofKind(mine, "dispense").map(dispenseRecord),
    availability: slots.map((s) => ({
      machineId: s.machineId,
      slotId: s.slotId,
      availability: {
        kind: "levels",
        levelAtStart: 0,
        changes: levels.get(`${s.machineId}/${s.slotId}`) ?? [],
      },
    })),
  });
}

/** Units the ledger says each machine dispensed of each item, per local day. */
function ledgerDispenses(run: Run, timeZone: string, machineIds: Set<string>): Map<string, number> {
  const calendar = LocalCalendar.for(timeZone);
  const out = new Map<string, number>();
  for (const { t, fact } of run.facts) {
    if (fact.fact !== "stock" || fact.cause !== "dispense" || !machineIds.has(fact.machineId)) continue;
    const key = `${fact.machineId}/${fact.itemId}/${calendar.dateOf(t)}`;
    out.set(key, (out.get(key) ?? 0) - fact.delta);
  }
  return out;
}

describe("demand from the simulator's `small` scenario (28 days)", () => {
  const runs: Run[] = [];
  beforeAll(() => {
    runs.push(simulate("reorder-1"), simulate("reorder-2"));
  });

  it("given its dispense events, then the pools' consumption reconciles exactly with the ledger", () => {
    for (const run of runs) {
      for (const p of scenario.prisons) {
        const d = demandOf(run, p.prisonId);
        const actual = ledgerDispenses(run, p.timeZone, new Set(p.machines.map((m) => m.machineId)));
        for (const pool of d.pools)
          for (const day of pool.daily)
            expect(day.consumed, `${pool.machineId}/${pool.itemId}/${day.date}`).toBe(
              actual.get(`${pool.machineId}/${pool.itemId}/${day.date}`) ?? 0,
            );
        expect(d.unmatchedDispenses).toBe(0);
      }
    }
  });

  it("given the estimate, when forecasting each in-stock day, then it matches the ledger's dispenses within 25 % bias", () => {
    const points: ForecastPoint[] = [];
    for (const run of runs) {
      for (const p of scenario.prisons) {
        const d = demandOf(run, p.prisonId);
        const actual = ledgerDispenses(run, p.timeZone, new Set(p.machines.map((m) => m.machineId)));
        for (const pool of d.pools) {
          expect(pool.estimate.source).toBe("observed");
          // In-stock days only: on the others dispenses are censored, not demand.
          for (const day of pool.daily.filter((x) => x.stockoutDays === 0))
            points.push({
              forecast: pool.estimate.averageDaily * pool.estimate.weekdayFactors[day.weekday]!,
              actual: actual.get(`${pool.machineId}/${pool.itemId}/${day.date}`) ?? 0,
            });
        }
      }
    }
    const accuracy = forecastAccuracy(points);
    expect(accuracy.days).toBeGreaterThan(100);
    expect(Math.abs(accuracy.bias!)).toBeLessThan(0.25);
    expect(accuracy.wape!).toBeLessThan(1);
  });

  it("given stockouts, then adjusted demand is never below what was dispensed", () => {
    for (const run of runs)
      for (const p of scenario.prisons)
        for (const pool of demandOf(run, p.prisonId).pools)
          expect(pool.estimate.averageDaily * pool.estimate.days).toBeGreaterThanOrEqual(
            pool.estimate.consumed,
          );
  });

  it("given the prisons' outreach schedules, then nextVisit finds every visit the simulator planned", () => {
    const run = runs[0]!;
    const planned = run.facts.filter(
      (f): f is { t: number; fact: Extract<LedgerFact, { fact: "outreach_planned" }> } =>
        f.fact.fact === "outreach_planned",
    );
    expect(planned.length).toBeGreaterThan(4);
    for (const { t, fact } of planned) {
      const p = scenario.prisons.find((x) => x.prisonId === fact.prisonId)!;
      const schedule: VisitSchedule = {
        timeZone: p.timeZone,
        anchorDate: LocalCalendar.for(p.timeZone).dateOf(Date.parse(scenario.start)),
        firstVisitDay: p.outreach.firstVisitDay,
        intervalDays: p.outreach.intervalDays,
        hour: p.outreach.hour,
      };
      expect(nextVisit(schedule, t)).toBe(Date.parse(fact.visitAt));
    }
  });

  it("given the state at the end, when planning the next visit, then quantities are whole, within capacity, and add up", () => {
    const run = runs[0]!;
    for (const p of scenario.prisons) {
      const d = demandOf(run, p.prisonId);
      const last = new Map<string, Extract<LedgerFact, { fact: "stock" }>>();
      for (const { fact } of run.facts)
        if (fact.fact === "stock") last.set(`${fact.machineId}/${fact.slotId}`, fact);
      const schedule: VisitSchedule = {
        timeZone: p.timeZone,
        anchorDate: LocalCalendar.for(p.timeZone).dateOf(Date.parse(scenario.start)),
        firstVisitDay: p.outreach.firstVisitDay,
        intervalDays: p.outreach.intervalDays,
        hour: p.outreach.hour,
      };
      const plan = restockPlan({
        prisonId: p.prisonId,
        timeZone: p.timeZone,
        now: run.endTime,
        visitAt: nextVisit(schedule, run.endTime),
        leadTimeDays: p.outreach.leadTimeDays,
        reviewIntervalDays: p.outreach.intervalDays,
        fillTo: "max",
        machines: p.machines.map((m) => ({
          machineId: m.machineId,
          location: m.location,
          slots: m.slots.map((s) => {
            const stock = last.get(`${m.machineId}/${s.slotId}`);
            return {
              slotId: s.slotId,
              itemId: s.itemId,
              capacity: s.capacity,
              stock: stock?.level ?? 0,
              lots: stock?.lots ?? [],
              demand: d.slots.find((x) => x.machineId === m.machineId && x.slotId === s.slotId)!,
            };
          }),
        })),
      });
      expect(plan.machines.map((m) => m.priority)).toEqual(p.machines.map((_, i) => i + 1));
      for (const m of plan.machines)
        for (const s of m.slots) {
          expect(Number.isInteger(s.quantity) && s.quantity >= 0).toBe(true);
          expect(s.projectedAtVisit + s.quantity).toBeLessThanOrEqual(s.capacity);
          expect(s.min).toBeLessThanOrEqual(s.max);
          expect(s.max).toBeLessThanOrEqual(s.capacity);
        }
      const total = plan.pickList.reduce((n, l) => n + l.totalUnits, 0);
      expect(total).toBe(plan.machines.reduce((n, m) => n + m.loadUnits, 0));
      expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    }
  });
});
