import {
  addressOf,
  eventKey,
  type HrEvent,
  isMachineEvent,
  MACHINE_KINDS,
  mqttTopic,
  parseEventBytes,
} from "@hrvend/schemas";
import { beforeAll, describe, expect, it } from "vitest";
import { localClockFor } from "../model/local-clock";
import { loadScenario } from "../scenario/load-scenario";
import { type CollectedRun, collectRun } from "../test-support";

interface Line {
  t: string;
  fact: string;
  key?: string;
  via?: string;
  event?: HrEvent;
  [k: string]: unknown;
}

const parseLedger = (run: CollectedRun): Line[] => run.ledger.map((l) => JSON.parse(l) as Line);
const eventsOf = (lines: Line[]) => lines.filter((l) => l.fact === "event").map((l) => l.event as HrEvent);

describe("Simulation of the small scenario (14 days)", () => {
  let run: CollectedRun;
  let lines: Line[];
  let events: HrEvent[];
  beforeAll(() => {
    run = collectRun("small", 42, 14);
    lines = parseLedger(run);
    events = eventsOf(lines);
  });

  it("emits only events that satisfy the contract, each on its own topic and key", () => {
    expect(run.deliveries.length).toBeGreaterThan(10_000);
    for (const item of run.deliveries) {
      if (item.type !== "event" && item.type !== "will") continue;
      const e = parseEventBytes(item.payload);
      expect(item.topic).toBe(mqttTopic(addressOf(e)));
      expect(item.key).toBe(eventKey(e));
    }
    const kinds = new Set(events.map((e) => e.kind));
    for (const k of MACHINE_KINDS) expect(kinds).toContain(k);
    for (const k of ["census", "oat", "ref_prison", "ref_machine", "ref_item"]) expect(kinds).toContain(k);
  }, 30_000);

  it("numbers each source 1..n without gaps or repeats, and the ledger holds every delivered event", () => {
    const seqs = new Map<string, number[]>();
    for (const e of events) {
      const src = eventKey(e).split(":")[0] as string;
      seqs.set(src, [...(seqs.get(src) ?? []), e.seq]);
    }
    for (const [, list] of seqs) {
      const sorted = [...list].sort((a, b) => a - b);
      expect(sorted).toEqual(sorted.map((_, i) => i + 1));
    }
    expect(seqs.has("registry")).toBe(true);
    expect(seqs.has("sm-north-census")).toBe(true);
    expect(seqs.has("sm-south-health")).toBe(true);
    const delivered = run.published.map((p) => eventKey(JSON.parse(p)));
    expect(new Set(delivered)).toEqual(new Set(events.map(eventKey)));
    expect(delivered.length).toBe(new Set(delivered).size);
  });

  it("delivers each machine's events in seq order; only the will (seq reserved at connect) comes later", () => {
    const last = new Map<string, number>();
    for (const p of run.published) {
      const e = JSON.parse(p) as HrEvent;
      if (!isMachineEvent(e)) continue;
      if (e.kind === "status" && e.state === "offline") continue;
      expect(e.seq).toBeGreaterThan(last.get(e.machineId) ?? 0);
      last.set(e.machineId, e.seq);
    }
  });

  it("buffers events during an outage and delivers them late, after the will and the reconnect, with original times", () => {
    const outage = lines.find((l) => l.fact === "offline_start" && l.cause === "network");
    expect(outage).toBeDefined();
    const machineId = outage?.machineId as string;
    const items = run.deliveries.filter((d) => d.source === machineId);
    const willAt = items.findIndex((d, i) => d.type === "will" && i > 0);
    expect(items[willAt + 1]?.type).toBe("connect");
    const late = items[willAt + 2];
    const birth = items
      .slice(willAt + 2)
      .find((d) => d.type === "event" && JSON.parse(d.payload).kind === "status");
    expect(late?.type).toBe("event");
    expect(birth).toBeDefined();
    if (late?.type !== "event" || birth?.type !== "event") return;
    const lateEvent = JSON.parse(late.payload);
    const birthEvent = JSON.parse(birth.payload);
    expect(lateEvent.seq).toBeLessThan(birthEvent.seq);
    expect(Date.parse(lateEvent.deviceTime)).toBeLessThan(Date.parse(birthEvent.deviceTime));
    const will = lines.find(
      (l) => l.via === "will" && l.event && isMachineEvent(l.event) && l.event.machineId === machineId,
    );
    expect(will?.event).toMatchObject({ kind: "status", state: "offline", reason: "connection_lost" });
  });

  it("never lets stock go negative; each slot's level = restocks − dispenses + adjustments", () => {
    const level = new Map<string, number>();
    for (const e of events) {
      const key = "slotId" in e && isMachineEvent(e) ? `${e.machineId}/${e.slotId}` : undefined;
      if (key === undefined) continue;
      const before = level.get(key) ?? 0;
      let after = before;
      if (e.kind === "dispense") after = before - e.quantity;
      else if (e.kind === "restock") after = before + e.quantity;
      else if (e.kind === "stock_adjustment") after = before + e.delta;
      else continue;
      expect(after).toBeGreaterThanOrEqual(0);
      expect(e.stockAfter).toBe(after);
      level.set(key, after);
    }
    const finalFacts = new Map<string, number>();
    for (const l of lines)
      if (l.fact === "stock") finalFacts.set(`${l.machineId}/${l.slotId}`, l.level as number);
    expect(finalFacts).toEqual(level);
  });

  it("refuses for each reason and records stockouts, outages, faults, power and expiry in the ledger", () => {
    const reasons = new Set(events.flatMap((e) => (e.kind === "dispense_refused" ? [e.reason] : [])));
    expect(reasons).toEqual(new Set(["quota", "empty", "fault"]));
    const facts = new Set(lines.map((l) => l.fact));
    for (const f of [
      "run_start",
      "run_end",
      "stock",
      "stockout_start",
      "offline_start",
      "offline_end",
      "fault_start",
      "fault_end",
      "card_issued",
      "outreach_planned",
      "service_start",
    ])
      expect(facts).toContain(f);
    expect(events.some((e) => e.kind === "stock_adjustment" && e.reason === "expired")).toBe(true);
    expect(events.some((e) => e.kind === "heartbeat" && e.power === "battery")).toBe(true);
  });

  it("ends with every machine publishing its reserved will seq as a clean shutdown", () => {
    const shutdowns = events.filter((e) => e.kind === "status" && e.reason === "shutdown");
    expect(shutdowns).toHaveLength(3);
    expect(lines[lines.length - 1]?.fact).toBe("run_end");
  });

  it("dates lot expiry from the start's local date (Chisinau), not its UTC date (the day before at 00:00+02:00)", () => {
    // small starts 2026-03-23T00:00:00+02:00: 2026-03-22 in UTC, 2026-03-23 where the programme is.
    const startLocal = Date.UTC(2026, 2, 23);
    const want = new Map(
      run.sim.scenario.lots.map((l) => [
        l.lotId,
        new Date(startLocal + l.expiresAfterDays * 86_400_000).toISOString().slice(0, 10),
      ]),
    );
    const seen = events.flatMap((e) => (e.kind === "restock" ? (e.lots ?? []) : []));
    expect(seen.length).toBeGreaterThan(3);
    for (const lot of seen) expect(lot.expiry, lot.lotId).toBe(want.get(lot.lotId));
  });

  it("files a census per prison and local day, and an OAT register with enrolments and daily doses", () => {
    const census = events.filter((e) => e.kind === "census");
    expect(census.length).toBeGreaterThanOrEqual(2 * 13);
    const north = census.filter((e) => e.prisonId === "sm-north").map((e) => e.date);
    expect(north.slice(0, 3)).toEqual(["2026-03-23", "2026-03-24", "2026-03-25"]);
    const oat = events.filter((e) => e.kind === "oat");
    expect(oat.filter((e) => e.action === "enrol").length).toBeGreaterThanOrEqual(16);
    expect(oat.filter((e) => e.action === "dose").length).toBeGreaterThan(16 * 10);
  });
});

describe("Demand model in the pilot scenario (28 days)", () => {
  let events: HrEvent[];
  let lines: Line[];
  beforeAll(() => {
    const run = collectRun("pilot", 7, 28);
    lines = parseLedger(run);
    events = eventsOf(lines);
  });
  const requests = () =>
    events.filter(
      (e): e is Extract<HrEvent, { kind: "dispense" | "dispense_refused" }> =>
        e.kind === "dispense" || e.kind === "dispense_refused",
    );

  it("follows the diurnal pattern: nobody at the machines while cells are locked (22:00–06:00)", () => {
    const clock = localClockFor("Europe/Chisinau");
    const byHour = new Array<number>(24).fill(0);
    for (const e of requests()) {
      const h = Math.floor(clock.hourOfDay(Date.parse(e.deviceTime)));
      byHour[h] = (byHour[h] ?? 0) + 1;
    }
    for (const h of [23, 0, 1, 2, 3, 4, 5]) expect(byHour[h]).toBe(0);
    expect(byHour[18]).toBeGreaterThan(byHour[7] as number);
  });

  it("puts roughly the scenario's share of visits out of hours (target 0.6)", () => {
    const clock = localClockFor("Europe/Chisinau");
    const all = requests();
    const ooh = all.filter((e) => {
      const how = clock.hourOfWeek(Date.parse(e.deviceTime));
      const day = Math.floor(how / 24);
      const hour = how % 24;
      return day >= 5 || hour < 9 || hour >= 17;
    });
    expect(all.length).toBeGreaterThan(1000);
    expect(ooh.length / all.length).toBeGreaterThan(0.55);
    expect(ooh.length / all.length).toBeLessThan(0.65);
  });

  it("is heterogeneous: visits per card are over-dispersed and follow personal rates", () => {
    const perCard = new Map<string, number>();
    for (const e of requests()) perCard.set(e.cardToken, (perCard.get(e.cardToken) ?? 0) + 1);
    const issued = lines.filter((l) => l.fact === "card_issued");
    const counts = issued.map((l) => perCard.get(l.cardToken as string) ?? 0);
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    const variance = counts.reduce((a, b) => a + (b - mean) ** 2, 0) / counts.length;
    expect(variance / mean).toBeGreaterThan(2);
    const byRate = [...issued].sort((a, b) => (a.visitsPerWeek as number) - (b.visitsPerWeek as number));
    const quarter = Math.floor(byRate.length / 4);
    const avg = (ls: Line[]) =>
      ls.reduce((n, l) => n + (perCard.get(l.cardToken as string) ?? 0), 0) / ls.length;
    expect(avg(byRate.slice(-quarter))).toBeGreaterThan(4 * avg(byRate.slice(0, quarter)));
  });

  it("keeps the weekly pattern: weekend evenings busier than weekday evenings (both out of hours)", () => {
    const clock = localClockFor("Europe/Chisinau");
    const evenings = new Array<number>(7).fill(0);
    for (const e of requests()) {
      const how = clock.hourOfWeek(Date.parse(e.deviceTime));
      const hour = how % 24;
      const day = Math.floor(how / 24);
      if (hour >= 17 && hour < 22) evenings[day] = (evenings[day] ?? 0) + 1;
    }
    const weekday = evenings.slice(0, 5).reduce((a, b) => a + b, 0) / 5;
    const weekend = evenings.slice(5).reduce((a, b) => a + b, 0) / 2;
    expect(weekend / weekday).toBeGreaterThan(1.05);
    expect(weekend / weekday).toBeLessThan(1.4);
  });

  it("refuses by quota only the heavier users, and reports it", () => {
    const quota = requests().filter((e) => e.kind === "dispense_refused" && e.reason === "quota");
    expect(quota.length).toBeGreaterThan(0);
    expect(quota.length / requests().length).toBeLessThan(0.25);
  });
});

describe("The pilot scenario's figures (docs/domain.md §Programmes, Moldova)", () => {
  it("has 8 prisons, 9 machines, ~9,000 annual population flow, ~1,300 NSP clients a year and ~205 on OAT", () => {
    const { scenario } = loadScenario("pilot");
    const prisons = scenario.prisons;
    expect(prisons).toHaveLength(8);
    expect(prisons.reduce((n, p) => n + p.machines.length, 0)).toBe(9);
    const flow = prisons.reduce((n, p) => n + p.population + p.admissionsPerDay * 365, 0);
    expect(flow).toBeGreaterThan(8500);
    expect(flow).toBeLessThan(9500);
    const nsp = prisons.reduce(
      (n, p) => n + (p.population + p.admissionsPerDay * 365) * p.injectingPrevalence * p.cardUptake,
      0,
    );
    expect(nsp).toBeGreaterThan(1200);
    expect(nsp).toBeLessThan(1400);
    expect(prisons.reduce((n, p) => n + p.oat.initialClients, 0)).toBe(205);
  });
});
