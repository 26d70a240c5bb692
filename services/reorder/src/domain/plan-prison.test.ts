import { cardTokenKey, loadScenario, Simulation } from "@hrvend/devices";
import { type EventOf, type HrEvent, parseEvent } from "@hrvend/schemas";
import { beforeAll, describe, expect, it } from "vitest";
import { batchChanges, dispenseDays, lotDeltas } from "./batch-changes";
import {
  demandBySlot,
  demandWindow,
  dispenseRecord,
  type LevelReading,
  LocalCalendar,
  levelReading,
  slotSpecs,
} from "./index";
import type { OutreachSchedule } from "./outreach-schedule";
import { levelAtStart, lotsInSlot, type PrisonSnapshot, planPrison, replanForVisit } from "./plan-prison";

describe("lotsInSlot", () => {
  it("given more lot units than the slot holds, then the earliest-expiring lose the difference (they were vended first)", () => {
    const lots = [
      { lotId: "B", expiry: "2027-01-01", quantity: 4 },
      { lotId: "A", expiry: "2026-05-01", quantity: 3 },
      { lotId: "C", expiry: "2027-06-01", quantity: 0 },
    ];
    expect(lotsInSlot(lots, 5)).toEqual([
      { lotId: "A", expiry: "2026-05-01", quantity: 1 },
      { lotId: "B", expiry: "2027-01-01", quantity: 4 },
    ]);
    expect(lotsInSlot(lots, 9).map((l) => l.quantity)).toEqual([3, 4]);
  });
});

describe("levelAtStart", () => {
  it("given a change before the window, then its level; else the level before the first change inside; else 0", () => {
    expect(levelAtStart({ level: 7 }, { level: 3, delta: -1 })).toBe(7);
    expect(levelAtStart(undefined, { level: 3, delta: -1 })).toBe(4);
    expect(levelAtStart(undefined, { level: 20, delta: 20 })).toBe(0);
    expect(levelAtStart(undefined, undefined)).toBe(0);
  });
});

const { scenario } = loadScenario("small");
const DAYS = 24;

/** The `small` scenario in memory, as the stream would carry it. */
function simulate(): { events: HrEvent[]; endTime: number } {
  const events: HrEvent[] = [];
  const sim = new Simulation(
    scenario,
    { seed: "plan-prison", days: DAYS, cardTokenKey: cardTokenKey("reorder-test-secret") },
    {
      deliver(item) {
        if (item.type === "event" || item.type === "will") events.push(parseEvent(JSON.parse(item.payload)));
      },
      fact() {},
    },
  );
  sim.runUntil(sim.endTime);
  sim.finish();
  return { events, endTime: sim.endTime };
}

/** What the service's tables would hold for a prison, built with the same pure pieces the store uses. */
function snapshotOf(events: HrEvent[], prisonId: string, windowDays: number): PrisonSnapshot {
  const mine = events.filter((e) => e.prisonId === prisonId);
  const changes = batchChanges(mine);
  const prison = changes.prisons[0]!;
  const asOf = changes.lastEventAt.get(prisonId)!;
  const window = demandWindow(prison.timeZone, asOf, windowDays);
  const levels = new Map<string, (LevelReading & { delta: number })[]>();
  const last = new Map<string, { seq: number; level: number }>();
  for (const r of changes.stock) {
    const key = `${r.machineId}/${r.slotId}`;
    levels.set(key, [
      ...(levels.get(key) ?? []),
      { at: Date.parse(r.deviceTime), level: r.level, seq: r.seq, delta: r.delta },
    ]);
    if ((last.get(key)?.seq ?? 0) < r.seq) last.set(key, { seq: r.seq, level: r.level });
  }
  const machines = changes.machines.filter((m) => m.active);
  const slots = machines.flatMap((m) => m.slots.map((s) => ({ machineId: m.machineId, slotId: s.slotId })));
  return {
    prisonId,
    timeZone: prison.timeZone,
    asOf,
    machines: machines.map((m) => ({ machineId: m.machineId, location: m.location, slots: m.slots })),
    dispenseDays: dispenseDays(
      prison.timeZone,
      changes.stock
        .filter((r) => r.kind === "dispense")
        .map((r) => ({ ...r, at: Date.parse(r.deviceTime), quantity: -r.delta })),
    ),
    levels: slots.map((s) => {
      const all = (levels.get(`${s.machineId}/${s.slotId}`) ?? []).sort(
        (a, b) => a.at - b.at || a.seq! - b.seq!,
      );
      const before = all.filter((c) => c.at <= window.start).at(-1);
      const inside = all.filter((c) => c.at > window.start && c.at < window.end);
      return { ...s, levelAtStart: levelAtStart(before, inside[0]), changes: inside };
    }),
    stock: slots.map((s) => ({ ...s, level: last.get(`${s.machineId}/${s.slotId}`)?.level ?? 0 })),
    lots: lotDeltas(changes.stock).map((l) => ({
      machineId: l.machineId,
      slotId: l.slotId,
      lotId: l.lot.lotId,
      expiry: l.lot.expiry,
      quantity: l.lot.delta,
    })),
  };
}

describe("planPrison on the simulator's `small` scenario", () => {
  let run: { events: HrEvent[]; endTime: number };
  beforeAll(() => {
    run = simulate();
  });
  const scheduleOf = (p: (typeof scenario.prisons)[number]): OutreachSchedule => ({
    anchorDate: LocalCalendar.for(p.timeZone).dateOf(Date.parse(scenario.start)),
    firstVisitDay: p.outreach.firstVisitDay,
    intervalDays: p.outreach.intervalDays,
    hour: p.outreach.hour,
    leadTimeDays: p.outreach.leadTimeDays,
  });

  it("given daily totals instead of single dispenses, then demand is the same as from the raw events", () => {
    for (const p of scenario.prisons) {
      const snap = snapshotOf(run.events, p.prisonId, 14);
      const { demand } = planPrison(snap, { schedule: scheduleOf(p), windowDays: 14, z: 1.65 });
      const mine = run.events.filter((e) => e.prisonId === p.prisonId);
      const direct = demandBySlot({
        prisonId: p.prisonId,
        timeZone: p.timeZone,
        now: snap.asOf,
        windowDays: 14,
        slots: mine.filter((e): e is EventOf<"ref_machine"> => e.kind === "ref_machine").flatMap(slotSpecs),
        dispenses: mine.filter((e): e is EventOf<"dispense"> => e.kind === "dispense").map(dispenseRecord),
        availability: snap.levels.map((l) => {
          const changes = mine
            .filter(
              (e): e is EventOf<"dispense" | "restock" | "stock_adjustment"> =>
                (e.kind === "dispense" || e.kind === "restock" || e.kind === "stock_adjustment") &&
                e.machineId === l.machineId &&
                e.slotId === l.slotId,
            )
            .map(levelReading);
          return {
            machineId: l.machineId,
            slotId: l.slotId,
            availability: { kind: "levels", levelAtStart: 0, changes },
          };
        }),
      });
      expect(demand.slots).toEqual(direct.slots);
      expect(demand.pools.map((x) => x.daily)).toEqual(direct.pools.map((x) => x.daily));
      expect(demand.unmatchedDispenses).toBe(0);
    }
  });

  it("given the snapshot, then the plan is for the next scheduled visit, covers every slot, and slot parameters match it", () => {
    for (const p of scenario.prisons) {
      const snap = snapshotOf(run.events, p.prisonId, 28);
      const { plan, slots } = planPrison(snap, { schedule: scheduleOf(p), windowDays: 28, z: 1.65 });
      expect(plan.generatedAt).toBe(snap.asOf);
      expect(plan.visitAt).toBeGreaterThanOrEqual(snap.asOf);
      expect(plan.visitAt - snap.asOf).toBeLessThanOrEqual(p.outreach.intervalDays * 86_400_000);
      expect(LocalCalendar.for(p.timeZone).isoLocal(plan.visitAt).slice(11, 16)).toBe(
        `${String(p.outreach.hour).padStart(2, "0")}:00`,
      );
      expect(plan.machines.map((m) => m.priority)).toEqual(plan.machines.map((_, i) => i + 1));
      expect(plan.machines.map((m) => m.machineId).sort()).toEqual(p.machines.map((m) => m.machineId).sort());
      expect(slots).toHaveLength(p.machines.reduce((n, m) => n + m.slots.length, 0));
      for (const s of slots) {
        expect(s.min).toBeLessThanOrEqual(s.max);
        expect(s.max).toBeLessThanOrEqual(s.capacity);
        expect(s.lots.reduce((n, l) => n + l.quantity, 0)).toBeLessThanOrEqual(s.stock);
      }
    }
  });

  it("given a stored plan, when re-planning for its own visit date, then the same plan; for a later date, a later visit", () => {
    const p = scenario.prisons[0]!;
    const schedule = scheduleOf(p);
    const { plan, slots } = planPrison(snapshotOf(run.events, p.prisonId, 28), {
      schedule,
      windowDays: 28,
      z: 1.65,
    });
    const stored = JSON.parse(JSON.stringify(plan));
    const calendar = LocalCalendar.for(p.timeZone);
    expect(replanForVisit(stored, slots, schedule, calendar.dateOf(plan.visitAt))).toEqual(plan);
    const later = replanForVisit(
      stored,
      slots,
      schedule,
      LocalCalendar.addDays(calendar.dateOf(plan.visitAt), 3),
    );
    expect(later.visitAt).toBe(calendar.plusLocalDays(plan.visitAt, 3));
    expect(later.followingVisitAt).toBe(plan.followingVisitAt);
  });
});
