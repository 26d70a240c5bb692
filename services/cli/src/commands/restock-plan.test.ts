import type { RestockPlan } from "@hrvend/reorder";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config";
import { formatOf } from "../conventions";
import { planOutput, restockPlanCommand } from "./restock-plan";

// One machine, one slot, in Chisinau (UTC+2 until 29 March 2026, then UTC+3).
const plan: RestockPlan = {
  prisonId: "md-p13",
  timeZone: "Europe/Chisinau",
  generatedAt: Date.parse("2026-03-23T08:00:00Z"),
  visitAt: Date.parse("2026-03-25T08:00:00Z"),
  followingVisitAt: Date.parse("2026-04-01T07:00:00Z"),
  leadTimeDays: 2,
  reviewIntervalDays: 7,
  z: 1.65,
  fillTo: "capacity",
  machines: [
    {
      priority: 1,
      machineId: "md-p13-m1",
      location: null,
      projectedStockoutAt: Date.parse("2026-03-30T22:30:00Z"),
      stockoutItemId: "syringe-kit",
      daysOfCover: 2.34567,
      loadUnits: 18,
      slots: [
        {
          slotId: "s1",
          itemId: "syringe-kit",
          capacity: 20,
          stockNow: 6,
          averageDaily: 2.5,
          sigmaDaily: 1.23456,
          daysOfCover: 2.4,
          projectedStockoutAt: Date.parse("2026-03-30T22:30:00Z"),
          projectedAtVisit: 2,
          safetyStock: 2.87654,
          min: 5,
          max: 18,
          quantity: 18,
          lotsToSwap: [],
          swapUnits: 0,
          loadUnits: 18,
        },
      ],
    },
  ],
  pickList: [
    { itemId: "syringe-kit", restockUnits: 18, replacementUnits: 0, totalUnits: 18, lotsToReturn: [] },
  ],
};

/** The options the action would get for argv (the action itself is not run: no database). */
async function optionsFor(argv: string[]): Promise<Record<string, unknown>> {
  const cmd = restockPlanCommand(loadConfig({ HRVEND_LANG: "en" }));
  cmd.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  let got: Record<string, unknown> = {};
  cmd.hook("preAction", (c) => {
    got = c.opts();
    throw new Error("stop before the database");
  });
  await cmd.parseAsync(argv, { from: "user" }).catch((e: Error) => {
    if (e.message !== "stop before the database") throw e;
  });
  return got;
}

describe("restock-plan --json", () => {
  it("given --json, then the JSON format; --format json still works, and --json wins over another --format", async () => {
    const json = await optionsFor(["--prison", "md-p13", "--json"]);
    expect(formatOf(json as { format: "table"; json?: boolean })).toBe("json");
    const format = await optionsFor(["--prison", "md-p13", "--format", "json"]);
    expect(formatOf(format as { format: "json"; json?: boolean })).toBe("json");
    const both = await optionsFor(["--prison", "md-p13", "--format", "csv", "--json"]);
    expect(formatOf(both as { format: "csv"; json?: boolean })).toBe("json");
    const none = await optionsFor(["--prison", "md-p13"]);
    expect(formatOf(none as { format: "table"; json?: boolean })).toBe("table");
  });

  it("given a small plan, then one JSON document with stable keys, every time local with its offset", () => {
    const out = planOutput(plan, "json", false);
    const doc = JSON.parse(out);
    expect(out.trimEnd().split("\n").at(-1)).toBe("}");
    expect(Object.keys(doc)).toEqual([
      "prisonId",
      "timeZone",
      "generatedAt",
      "visitAt",
      "followingVisitAt",
      "leadTimeDays",
      "reviewIntervalDays",
      "z",
      "fillTo",
      "machines",
      "pickList",
    ]);
    expect(doc.generatedAt).toBe("2026-03-23T10:00:00+02:00");
    expect(doc.visitAt).toBe("2026-03-25T10:00:00+02:00");
    expect(doc.followingVisitAt).toBe("2026-04-01T10:00:00+03:00");
    const m = doc.machines[0];
    expect(Object.keys(m)).toEqual([
      "priority",
      "machineId",
      "location",
      "projectedStockoutAt",
      "stockoutItemId",
      "daysOfCover",
      "loadUnits",
      "slots",
    ]);
    expect(m.projectedStockoutAt).toBe("2026-03-31T01:30:00+03:00");
    expect(m.daysOfCover).toBe(2.346);
    expect(m.slots[0]).toMatchObject({
      slotId: "s1",
      quantity: 18,
      sigmaDaily: 1.235,
      safetyStock: 2.877,
      projectedStockoutAt: "2026-03-31T01:30:00+03:00",
    });
    expect(doc.pickList).toEqual([
      { itemId: "syringe-kit", restockUnits: 18, replacementUnits: 0, totalUnits: 18, lotsToReturn: [] },
    ]);
  });

  it("given table or CSV, then not JSON", () => {
    expect(() => JSON.parse(planOutput(plan, "table", false))).toThrow();
    expect(planOutput(plan, "csv", true).split("\r\n")[0]).toMatch(/^item_id,/);
  });
});
