import type { HrEvent } from "@hrvend/schemas";
import { beforeAll, describe, expect, it } from "vitest";
import { formatLedgerLine } from "../delivery/format-ledger-line";
import { loadScenario } from "../scenario/load-scenario";
import { type CollectedRun, collectRun, TEST_CARD_KEY } from "../test-support";
import type { LedgerFact } from "./ledger-fact";
import { type OutreachPlanner, type OutreachPlanRequest, resolvePlan } from "./outreach-planner";
import { Simulation } from "./simulation";

const DAYS = 14;
const { scenario } = loadScenario("small");

interface PlannedRun {
  ledger: string[];
  facts: LedgerFact[];
  published: string[];
  requests: { request: OutreachPlanRequest; events: readonly HrEvent[] }[];
}

function runWith(planner: OutreachPlanner): PlannedRun {
  const run: PlannedRun = { ledger: [], facts: [], published: [], requests: [] };
  const sim = new Simulation(
    scenario,
    {
      seed: 42,
      days: DAYS,
      cardTokenKey: TEST_CARD_KEY,
      outreachPlanner: (request) => {
        run.requests.push({ request, events: request.events() });
        return planner(request);
      },
    },
    {
      deliver(item) {
        if (item.type === "event" || item.type === "will") run.published.push(item.payload);
      },
      fact(t, fact, payload) {
        run.facts.push(fact);
        run.ledger.push(formatLedgerLine(t, fact, payload));
      },
    },
  );
  sim.runUntil(sim.endTime);
  sim.finish();
  return run;
}

const stockLines = (ledger: string[]) => ledger.filter((l) => l.includes('"fact":"stock"'));

describe("outreach planner hook (small, 14 days)", () => {
  let plain: CollectedRun;
  beforeAll(() => {
    plain = collectRun(scenario, 42, DAYS);
  });

  it("given a planner that returns the fixed policy, then stock facts, ledger and events equal the run without a planner", () => {
    const run = runWith((r) => ({ lines: r.fixedPolicy }));
    expect(run.requests.length).toBeGreaterThanOrEqual(3);
    expect(stockLines(run.ledger).length).toBeGreaterThan(100);
    expect(stockLines(run.ledger)).toEqual(stockLines(plain.ledger));
    expect(run.ledger).toEqual(plain.ledger);
    expect(run.published).toEqual(plain.published);
  });

  it("given a plan time, then the planner sees only its prison's events received by then, reference data included", () => {
    const run = runWith((r) => ({ lines: r.fixedPolicy }));
    for (const { request, events } of run.requests) {
      expect(request.planAt).toBe(
        Math.max(request.runStart, request.visitAt - request.outreach.leadTimeDays * 864e5),
      );
      expect(request.nextVisitAt).toBeGreaterThan(request.visitAt);
      expect(events.every((e) => e.prisonId === request.prisonId)).toBe(true);
      expect(
        events.every((e) => Date.parse("deviceTime" in e ? e.deviceTime : e.time) <= request.planAt),
      ).toBe(true);
      expect(events.filter((e) => e.kind === "ref_machine").map((e) => e.machineId)).toEqual(
        request.machines.map((m) => m.machineId),
      );
    }
    const late = run.requests.at(-1);
    expect(late?.events.some((e) => e.kind === "dispense")).toBe(true);
  });

  it("given a planner that brings nothing and reverses the machines, then only commissioning restocks and the visit follows its order", () => {
    const run = runWith((r) => ({
      lines: r.fixedPolicy.map((l) => ({ ...l, quantity: 0 })),
      machineOrder: r.machines.map((m) => m.machineId).reverse(),
    }));
    const restocks = run.published.map((p) => JSON.parse(p) as HrEvent).filter((e) => e.kind === "restock");
    expect(restocks.length).toBeGreaterThan(0);
    expect(restocks.every((e) => e.visitId === "commissioning")).toBe(true);
    const planned = run.facts.filter((f) => f.fact === "outreach_planned");
    const north = planned.find((f) => f.prisonId === "sm-north");
    expect([...new Set(north?.lines.map((l) => l.machineId))]).toEqual(["sm-north-m2", "sm-north-m1"]);
    const starts = run.facts.filter(
      (f): f is Extract<LedgerFact, { fact: "service_start" | "service_end" }> =>
        f.fact === "service_start" && f.visitId === north?.visitId,
    );
    expect(starts.map((f) => f.machineId)).toEqual(["sm-north-m2", "sm-north-m1"]);
  });

  it("given a plan naming an unknown slot or a fractional quantity, then it is refused", () => {
    const machines = [{ machineId: "m1", slots: [{ slotId: "s1", itemId: "x", capacity: 5 }] }];
    expect(() =>
      resolvePlan("p", machines, { lines: [{ machineId: "m1", slotId: "s9", quantity: 1 }] }),
    ).toThrow(/no slot m1\/s9/);
    expect(() =>
      resolvePlan("p", machines, { lines: [{ machineId: "m1", slotId: "s1", quantity: 1.5 }] }),
    ).toThrow(/whole number/);
    expect(resolvePlan("p", machines, { lines: [] })).toEqual({
      order: [0],
      planned: [new Map([["s1", 0]])],
    });
  });
});
