import type { HrEvent } from "@hrvend/schemas";
import { beforeAll, describe, expect, it } from "vitest";
import { formatLedgerLine } from "../delivery/format-ledger-line";
import { loadScenario } from "../scenario/load-scenario";
import { parseScenario } from "../scenario/parse-scenario";
import type { Scenario } from "../scenario/scenario-schema";
import { TEST_CARD_KEY } from "../test-support";
import type { DeliveryItem } from "./delivery-item";
import { Simulation } from "./simulation";

const HOUR = 3_600_000;
const small = loadScenario("small").scenario;
const start = Date.parse(small.start); // 2026-03-23T00:00:00+02:00

interface Line {
  t: string;
  fact: string;
  [k: string]: unknown;
}

/** Runs a scenario in memory; every delivery keeps the simulated time at which it was handed over. */
function run(scenario: Scenario, days: number) {
  const deliveries: { at: number; item: DeliveryItem }[] = [];
  const ledger: Line[] = [];
  const sim: Simulation = new Simulation(
    scenario,
    { seed: 9, days, cardTokenKey: TEST_CARD_KEY },
    {
      deliver: (item) => deliveries.push({ at: sim.now, item }),
      fact: (t, fact, payload) =>
        ledger.push(JSON.parse(formatLedgerLine(t, fact, payload).trimEnd()) as Line),
    },
  );
  sim.runUntil(sim.endTime);
  sim.finish();
  const events = ledger
    .filter((l) => l.fact === "event")
    .map((l) => ({ t: Date.parse(l.t), e: l["event"] as HrEvent }));
  return { deliveries, ledger, events };
}

const withPlacements = (placements: unknown[], patch: (s: Record<string, unknown>) => void = () => {}) => {
  const json = JSON.parse(JSON.stringify({ ...small, placements })) as Record<string, unknown>;
  patch(json);
  return parseScenario(json);
};
const machineOf = (e: HrEvent) => ("deviceTime" in e ? e.machineId : undefined);

describe("scenario placements", () => {
  let r: ReturnType<typeof run>;
  beforeAll(() => {
    const scenario = withPlacements(
      [
        { type: "machine_outage", machineId: "sm-north-m1", atHours: 24, hours: 6 },
        { type: "broker_outage", atHours: 47.5, hours: 2 },
        { type: "census_gap", prisonId: "sm-north", from: "2026-03-25", days: 2 },
        {
          type: "census_correction",
          prisonId: "sm-south",
          date: "2026-03-24",
          afterDays: 3,
          populationDelta: -7,
        },
        { type: "decommission", machineId: "sm-north-m2", atHours: 72 },
        { type: "prison_joins", prisonId: "sm-south", atHours: 12 },
      ],
      (s) => {
        const prisons = s["prisons"] as { machines: { slots: { initial?: number }[] }[] }[];
        const slot = prisons[0]?.machines[0]?.slots[0];
        if (slot) slot.initial = 0;
      },
    );
    r = run(scenario, 6);
  });

  it("given a machine outage at 24 h for 6 h, then that machine is offline exactly then and its events of the period arrive after it", () => {
    const offline = r.ledger.filter(
      (l) => l["machineId"] === "sm-north-m1" && String(l.fact).startsWith("offline_"),
    );
    expect(offline.map((l) => [l.fact, Date.parse(l.t) - start])).toContainEqual([
      "offline_start",
      24 * HOUR,
    ]);
    expect(offline.map((l) => [l.fact, Date.parse(l.t) - start])).toContainEqual(["offline_end", 30 * HOUR]);
    const during = r.events.filter(
      (x) => machineOf(x.e) === "sm-north-m1" && x.t > 24 * HOUR + start && x.t < 30 * HOUR + start,
    );
    expect(during.length).toBeGreaterThan(30); // heartbeats every 5 min, buffered
    const deliveredAt = new Map(
      r.deliveries.flatMap((d) => (d.item.type === "event" ? [[d.item.key, d.at] as const] : [])),
    );
    for (const x of during) expect(deliveredAt.get(`sm-north-m1:${x.e.seq}`)).toBe(start + 30 * HOUR);
  });

  it("given a broker outage at 47.5 h for 2 h, then every machine of the run is offline over it and office events wait for its end", () => {
    const T = start + 47.5 * HOUR;
    for (const m of ["sm-north-m1", "sm-north-m2", "sm-south-m1"]) {
      const facts = r.ledger.filter((l) => l["machineId"] === m && l["cause"] === "broker");
      expect(
        facts.map((l) => [l.fact, Date.parse(l.t) - T]),
        m,
      ).toEqual([
        ["offline_start", 0],
        ["offline_end", 2 * HOUR],
      ]);
    }
    const office = r.events.filter((x) => !("deviceTime" in x.e) && x.t >= T && x.t < T + 2 * HOUR);
    expect(office.length).toBeGreaterThanOrEqual(2); // both prisons' census, filed at 00:05
    const deliveredAt = new Map(
      r.deliveries.flatMap((d) => (d.item.type === "event" ? [[d.item.key, d.at] as const] : [])),
    );
    for (const x of office)
      expect(deliveredAt.get(`${(x.e as { sourceId: string }).sourceId}:${x.e.seq}`)).toBe(T + 2 * HOUR);
  });

  it("given a census gap of 2 days, then those dates are never filed (and said so) while the days around them are", () => {
    const dates = r.events.flatMap((x) =>
      x.e.kind === "census" && x.e.prisonId === "sm-north" ? [x.e.date] : [],
    );
    expect(dates).toContain("2026-03-24");
    expect(dates).toContain("2026-03-27");
    expect(dates).not.toContain("2026-03-25");
    expect(dates).not.toContain("2026-03-26");
    expect(r.ledger.filter((l) => l.fact === "census_missing").map((l) => l["date"])).toEqual([
      "2026-03-25",
      "2026-03-26",
    ]);
  });

  it("given a late correction, then the day is filed again 3 days later with the population corrected by -7", () => {
    const filed = r.events.filter(
      (x) => x.e.kind === "census" && x.e.prisonId === "sm-south" && x.e.date === "2026-03-24",
    );
    expect(filed).toHaveLength(2);
    const [first, again] = filed as [(typeof filed)[0], (typeof filed)[0]];
    expect(again.t - first.t).toBe(3 * 24 * HOUR);
    expect((again.e as { population: number }).population).toBe(
      (first.e as { population: number }).population - 7,
    );
    expect(again.e.seq).toBeGreaterThan(first.e.seq);
  });

  it("given a decommission at 72 h, then the machine shuts down cleanly on its reserved seq, the registry marks it inactive and nothing more comes from it", () => {
    const T = start + 72 * HOUR;
    const mine = r.events.filter((x) => machineOf(x.e) === "sm-north-m2");
    const last = mine[mine.length - 1];
    expect(last?.t).toBe(T);
    expect(last?.e).toMatchObject({ kind: "status", state: "offline", reason: "shutdown" });
    // On the seq reserved for its will at its last connect (the birth's + 1), as a clean shutdown does.
    const births = mine.filter((x) => x.e.kind === "status" && x.e.state === "online");
    expect(last?.e.seq).toBe((births[births.length - 1]?.e.seq ?? 0) + 1);
    expect(new Set(mine.map((x) => x.e.seq)).size).toBe(mine.length);
    expect(mine.filter((x) => x.t > T)).toEqual([]);
    const inactive = r.events.filter(
      (x) => x.e.kind === "ref_machine" && x.e.machineId === "sm-north-m2" && x.e.active === false,
    );
    expect(inactive.map((x) => x.t)).toEqual([T]);
    // Its card holders use the other machine afterwards.
    expect(r.events.some((x) => machineOf(x.e) === "sm-north-m1" && x.e.kind === "dispense" && x.t > T)).toBe(
      true,
    );
  });

  it("given a prison joining at 12 h, then nothing of it exists before, and its registration comes first", () => {
    const T = start + 12 * HOUR;
    const south = r.events.filter((x) => x.e.prisonId === "sm-south");
    expect(Math.min(...south.map((x) => x.t))).toBe(T);
    expect(south[0]?.e.kind).toBe("ref_prison");
    expect(r.ledger.find((l) => l.fact === "prison_joined")?.t).toBe(new Date(T).toISOString());
  });

  it("given a slot commissioned empty, then it sends a count of 0 and the ledger has its level and stockout", () => {
    const count = r.events.find(
      (x) => machineOf(x.e) === "sm-north-m1" && x.e.kind === "stock_adjustment" && x.t === start,
    );
    expect(count?.e).toMatchObject({ slotId: "s1", reason: "count", delta: 0, stockAfter: 0 });
    const first = r.ledger.find((l) => l["machineId"] === "sm-north-m1" && l["slotId"] === "s1");
    expect(first).toMatchObject({ fact: "stock", level: 0, delta: 0, cause: "adjustment" });
    expect(
      r.ledger.some(
        (l) => l.fact === "stockout_start" && l["machineId"] === "sm-north-m1" && l.t === first?.t,
      ),
    ).toBe(true);
  });

  it("given an empty placements list, then the ledger is the one of a scenario without the field, line for line", () => {
    const a = run(small, 3);
    const b = run(withPlacements([]), 3);
    expect(b.ledger).toEqual(a.ledger);
  });

  it("refuses placements on unknown machines or prisons, or before the prison joins", () => {
    expect(() =>
      withPlacements([
        { type: "machine_outage", machineId: "nope", atHours: 1, hours: 1 },
        { type: "prison_joins", prisonId: "sm-south", atHours: 10 },
        { type: "decommission", machineId: "sm-south-m1", atHours: 5 },
      ]),
    ).toThrow(
      expect.objectContaining({
        problems: expect.arrayContaining([
          "placements.0.machineId: unknown machine 'nope'",
          "placements.2.atHours: 5 is not after its prison joins (10 h)",
        ]),
      }),
    );
  });
});
