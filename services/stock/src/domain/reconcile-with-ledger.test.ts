import { cardTokenKey, type DeliveryItem, type LedgerFact, loadScenario, Simulation } from "@hrvend/devices";
import { type HrEvent, parseEventBytes } from "@hrvend/schemas";
import { beforeAll, describe, expect, it } from "vitest";
import { type Alert, applyAlertCommand } from "./alert";
import { DEFAULT_ALERT_POLICY } from "./alert-policy";
import { type AlertType, faultAlertType } from "./alert-type";
import { availability, onlineIntervals } from "./availability";
import type { MachineInput } from "./evolve-machine";
import { evolveCatalog, type ItemCatalog } from "./item-catalog";
import type { LevelChange } from "./level-change";
import { type LotState, stockedLots } from "./lots";
import { initialMachineState, type MachineState } from "./machine-state";
import { processMachineEvent } from "./process-machine-event";
import { admitInOrder, NEW_SEQ_ORDER, type SeqOrder } from "./seq-order";
import { ms } from "./time";

type Fact = LedgerFact & { t: number };
type Period = { start: number; end: number | null };

const DAYS = 30;

/** The simulator's `small` scenario in memory: arrival-order payloads (as its FileSink writes them) and the ledger. */
function simulate(): { arrivals: string[]; facts: Fact[]; start: number; end: number } {
  const arrivals: string[] = [];
  const facts: Fact[] = [];
  const sim = new Simulation(
    loadScenario("small").scenario,
    { seed: 5, days: DAYS, cardTokenKey: cardTokenKey("stock-domain-test") },
    {
      deliver(item: DeliveryItem) {
        if (item.type === "event" || item.type === "will") arrivals.push(item.payload);
      },
      fact(t, fact) {
        // Simulated instants carry fractions of a millisecond; times on the wire drop them.
        facts.push({ ...fact, t: new Date(t).getTime() });
      },
    },
  );
  sim.runUntil(sim.endTime);
  sim.finish();
  return { arrivals, facts, start: sim.startTime, end: sim.endTime };
}

interface Service {
  machines: Map<string, MachineState>;
  levelChanges: LevelChange[];
  alerts: Map<string, Alert>;
  /** Per slot, the lots after each stock event (to compare with the ledger's snapshots). */
  lotsAfter: Map<string, LotState[][]>;
  duplicates: number;
}

/** What the stock service's adapter does with the stream, minus the database. */
function feed(events: readonly HrEvent[], inSeqOrder = false): Service {
  const svc: Service = {
    machines: new Map(),
    levelChanges: [],
    alerts: new Map(),
    lotsAfter: new Map(),
    duplicates: 0,
  };
  let catalog: ItemCatalog = {};
  const orders = new Map<string, SeqOrder>();
  const ready = (e: MachineInput): MachineInput[] => {
    if (!inSeqOrder) return [e];
    const r = admitInOrder(orders.get(e.machineId) ?? NEW_SEQ_ORDER, e);
    orders.set(e.machineId, r.order);
    return r.ready;
  };
  for (const arrived of events) {
    if (arrived.kind === "ref_item") catalog = evolveCatalog(catalog, arrived);
    if (!isMachineInput(arrived)) continue;
    for (const e of ready(arrived)) apply(e);
  }
  return svc;

  function apply(e: MachineInput): void {
    const before = svc.machines.get(e.machineId) ?? initialMachineState(e.machineId);
    const step = processMachineEvent(before, e, DEFAULT_ALERT_POLICY, catalog);
    svc.machines.set(e.machineId, step.state);
    if (step.duplicate) svc.duplicates++;
    if (step.levelChange) {
      svc.levelChanges.push(step.levelChange);
      const slot = `${e.machineId}/${step.levelChange.slotId}`;
      const lots = stockedLots(step.state.slots[step.levelChange.slotId]?.lots ?? []);
      svc.lotsAfter.set(slot, [...(svc.lotsAfter.get(slot) ?? []), lots]);
    }
    for (const cmd of step.alerts)
      svc.alerts.set(cmd.alertId, applyAlertCommand(svc.alerts.get(cmd.alertId), cmd));
  }
}

/**
 * The arrival order as several gateway connections of a shared subscription produce it: each
 * event moves back by up to `window` places (deterministic), so a machine's events, its will
 * and the replay burst after an outage overtake each other.
 */
function reorder<T>(events: readonly T[], window: number, seed = 7): T[] {
  let x = seed;
  const next = () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
  return events
    .map((e, i) => ({ e, at: i + next() * window }))
    .sort((a, b) => a.at - b.at)
    .map((p) => p.e);
}

function isMachineInput(e: HrEvent): e is MachineInput {
  return "machineId" in e;
}

/** Ledger start/end facts paired into periods, per subject. */
function periods(facts: readonly Fact[], start: string, end: string, subject: (f: Fact) => string) {
  const out = new Map<string, Period[]>();
  for (const f of facts) {
    if (f.fact !== start && f.fact !== end) continue;
    const list = out.get(subject(f)) ?? [];
    if (f.fact === start) list.push({ start: f.t, end: null });
    else {
      const open = list[list.length - 1];
      if (open === undefined || open.end !== null)
        throw new Error(`${end} without ${start}: ${JSON.stringify(f)}`);
      open.end = f.t;
    }
    out.set(subject(f), list);
  }
  return out;
}

/** Alerts of some types, per subject, as periods in raise order. */
function alertPeriods(svc: Service, types: readonly AlertType[], subject: (a: Alert) => string) {
  const out = new Map<string, Period[]>();
  const sorted = [...svc.alerts.values()]
    .filter((a) => types.includes(a.type))
    .sort((a, b) => ms(a.raisedAt) - ms(b.raisedAt));
  for (const a of sorted) {
    const key = subject(a);
    out.set(key, [
      ...(out.get(key) ?? []),
      { start: ms(a.raisedAt), end: a.clearedAt === null ? null : ms(a.clearedAt) },
    ]);
  }
  return out;
}

const count = (m: Map<string, Period[]>) => [...m.values()].reduce((n, l) => n + l.length, 0);
const slotOf = (f: { machineId: string; slotId?: string | null }) => `${f.machineId}/${f.slotId ?? "-"}`;

describe(`the stock domain fed the simulator's small scenario (${DAYS} days) in arrival order`, () => {
  let run: ReturnType<typeof simulate>;
  let events: HrEvent[];
  let svc: Service;
  beforeAll(() => {
    run = simulate();
    events = run.arrivals.map((p) => parseEventBytes(p));
    svc = feed(events);
  });

  it("given the arrival order, then it really holds wills behind higher seqs and outages replayed late", () => {
    let willsBehind = 0;
    let replayed = 0;
    const maxSeq = new Map<string, number>();
    const away = new Set<string>();
    for (const e of events) {
      if (!("deviceTime" in e)) continue;
      if (e.kind === "status" && e.state === "offline") {
        if (e.seq < (maxSeq.get(e.machineId) ?? 0)) willsBehind++;
        if (e.reason === "connection_lost") away.add(e.machineId);
      } else if (e.kind === "status") away.delete(e.machineId);
      else if (away.has(e.machineId)) replayed++;
      maxSeq.set(e.machineId, Math.max(maxSeq.get(e.machineId) ?? 0, e.seq));
    }
    const offline = run.facts.filter((f) => f.fact === "offline_start");
    expect(offline.length).toBeGreaterThan(5);
    expect(offline.some((f) => f.fact === "offline_start" && f.cause === "power")).toBe(true);
    expect(willsBehind).toBeGreaterThanOrEqual(offline.length);
    expect(replayed).toBeGreaterThan(50);
    expect(run.facts.filter((f) => f.fact === "stockout_start").length).toBeGreaterThan(3);
  });

  it("given every stock event, then each level change equals the ledger's stock fact (time, level, delta, cause, lots)", () => {
    const ledger = run.facts.flatMap((f) =>
      f.fact === "stock"
        ? [
            {
              slot: slotOf(f),
              itemId: f.itemId,
              t: f.t,
              level: f.level,
              delta: f.delta,
              cause: f.cause,
              lots: f.lots,
            },
          ]
        : [],
    );
    const ours = svc.levelChanges.map((c) => ({
      slot: slotOf(c),
      itemId: c.itemId,
      t: ms(c.deviceTime),
      level: c.level,
      delta: c.delta,
      cause: c.cause,
    }));
    const order = (a: { slot: string; t: number }, b: { slot: string; t: number }) =>
      a.slot < b.slot ? -1 : a.slot > b.slot ? 1 : a.t - b.t;
    expect(ours.length).toBe(ledger.length);
    expect([...ours].sort(order)).toEqual(ledger.map(({ lots: _, ...rest }) => rest).sort(order));

    // Lots after each change, per slot in the machine's order (stock events arrive in seq order).
    for (const [slot, snapshots] of svc.lotsAfter) {
      const expected = ledger.filter((l) => l.slot === slot).map((l) => l.lots ?? []);
      expect(snapshots, slot).toEqual(expected);
    }
  });

  it("given the whole run, then every slot's final level and lots equal the ledger's last stock fact", () => {
    const last = new Map<string, { level: number; lots: LotState[] }>();
    for (const f of run.facts)
      if (f.fact === "stock") last.set(slotOf(f), { level: f.level, lots: f.lots ?? [] });
    expect(last.size).toBe(7);
    for (const [slot, want] of last) {
      const [machineId, slotId] = slot.split("/") as [string, string];
      const s = svc.machines.get(machineId)?.slots[slotId];
      expect(s?.level, slot).toBe(want.level);
      expect(stockedLots(s?.lots ?? []), slot).toEqual(want.lots);
    }
  });

  it("given the ledger's stockout periods, then exactly one stockout alert each, raised and cleared at the ledger's times", () => {
    const ledger = periods(run.facts, "stockout_start", "stockout_end", (f) =>
      slotOf(f as { machineId: string }),
    );
    const ours = alertPeriods(svc, ["stockout"], slotOf);
    expect(count(ledger)).toBeGreaterThan(3);
    expect(ours).toEqual(ledger);
  });

  it("given the ledger's offline periods, then exactly one offline alert each, raised and cleared at the ledger's times", () => {
    const ledger = periods(
      run.facts,
      "offline_start",
      "offline_end",
      (f) => (f as { machineId: string }).machineId,
    );
    const ours = alertPeriods(svc, ["offline"], (a) => a.machineId);
    expect(count(ledger)).toBeGreaterThan(5);
    expect([...ours.keys()].sort()).toEqual([...ledger.keys()].sort());
    for (const [machineId, want] of ledger) {
      const got = ours.get(machineId) ?? [];
      expect(got.length, machineId).toBe(want.length);
      want.forEach((p, i) => {
        const q = got[i];
        expect(q, `${machineId} #${i}`).toEqual(p);
      });
    }
  });

  it("given the ledger's fault periods, then exactly one alert per fault, raised and cleared at the ledger's times", () => {
    const subject = (f: { machineId: string; slotId?: string | null }, type: string) =>
      `${slotOf(f)}/${type}`;
    const ledger = periods(run.facts, "fault_start", "fault_end", (f) => {
      const x = f as { machineId: string; code: string; slotId?: string };
      return subject(x, faultAlertType(x.code as Parameters<typeof faultAlertType>[0]));
    });
    const faultTypes: AlertType[] = [
      "door_open",
      "fault_jam",
      "fault_card_reader",
      "fault_tamper",
      "fault_power_loss",
      "fault_temperature",
      "fault_other",
    ];
    const ours = alertPeriods(svc, faultTypes, (a) => subject(a, a.type));
    expect(count(ledger)).toBeGreaterThan(10);
    expect(ours).toEqual(ledger);
  });

  it("given the default band 5..40 °C (the firmware's alarm band in this scenario), then temperature alerts match the machine's temperature faults", () => {
    const ours = alertPeriods(svc, ["temperature_out_of_range"], (a) => a.machineId);
    const faults = alertPeriods(svc, ["fault_temperature"], (a) => a.machineId);
    expect(count(faults)).toBeGreaterThan(0);
    expect(ours).toEqual(faults);
  });

  it("given the level history and the offline alerts, then stockout minutes equal the ledger's stockout periods", () => {
    const window = { from: new Date(run.start).toISOString(), to: new Date(run.end).toISOString() };
    const ledger = periods(run.facts, "stockout_start", "stockout_end", (f) =>
      slotOf(f as { machineId: string }),
    );
    for (const [slot, list] of ledger) {
      const [machineId, slotId] = slot.split("/") as [string, string];
      const history = svc.levelChanges.filter((c) => c.machineId === machineId && c.slotId === slotId);
      const offline = [...svc.alerts.values()]
        .filter((a) => a.machineId === machineId && a.type === "offline")
        .map((a) => ({ from: a.raisedAt, to: a.clearedAt }));
      const a = availability(history, onlineIntervals(offline, window), window);
      const want = list.reduce((n, p) => n + ((p.end ?? run.end) - p.start), 0) / 60_000;
      expect(a.stockoutMinutes, slot).toBeCloseTo(want, 6);
      expect(a.availability).toBeGreaterThan(0.5);
      expect(a.availability).toBeLessThan(1);
    }
  });

  it("given every event delivered twice (again right away, and the whole stream once more), then nothing changes", () => {
    const twice = [...events.flatMap((e) => [e, e]), ...events];
    const again = feed(twice);
    const machineEvents = events.filter(isMachineInput).filter((e) => e.kind !== "ref_machine").length;
    expect(again.duplicates).toBe(machineEvents * 2);
    expect(again.machines).toEqual(svc.machines);
    expect(again.levelChanges).toEqual(svc.levelChanges);
    expect(again.alerts).toEqual(svc.alerts);
  });

  it("given the end of the run, then every machine is offline after its clean shutdown and no offline alert is open", () => {
    for (const [machineId, m] of svc.machines) {
      expect(m.connection, machineId).toMatchObject({ status: "offline", reason: "shutdown" });
      expect(Object.values(m.alerts).filter((a) => a.type === "offline")).toEqual([]);
    }
    // The state is plain JSON: what the adapter stores is what it reads back.
    for (const m of svc.machines.values()) expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });
});

describe("the same run reordered as through four gateway connections (windows of 1,000), put back in seq order", () => {
  it("given the reordered stream, then level changes, stockout, offline and fault alerts equal the in-order run and the ledger", {
    timeout: 60_000,
  }, () => {
    const run = simulate();
    const events = run.arrivals.map((p) => parseEventBytes(p));
    const shuffled = reorder(events, 1000);
    expect(shuffled).not.toEqual(events);
    const inOrder = feed(events, true);
    const svc = feed(shuffled, true);
    const sorted = (l: LevelChange[]) => [...l].sort((a, b) => a.key.localeCompare(b.key));
    expect(sorted(svc.levelChanges)).toEqual(sorted(inOrder.levelChanges));
    const types: AlertType[] = ["stockout", "offline", "fault_jam", "door_open", "fault_card_reader"];
    const offline = periods(
      run.facts,
      "offline_start",
      "offline_end",
      (f) => (f as { machineId: string }).machineId,
    );
    expect(count(offline)).toBeGreaterThan(5);
    expect(alertPeriods(svc, ["offline"], (a) => a.machineId)).toEqual(offline);
    for (const type of types)
      expect(alertPeriods(svc, [type], slotOf), type).toEqual(alertPeriods(inOrder, [type], slotOf));
  });
});
