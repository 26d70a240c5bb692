import { describe, expect, it } from "vitest";
import { threeMachines } from "../../test/test-plan";
import { restockPlan } from "../domain/restock-plan";
import { renderPlanCsv, toCsv } from "./plan-csv";
import { renderPlanJson } from "./plan-json";
import { renderPlanTable } from "./plan-table";

// Planned at 02:00 local on Monday 2026-03-02 in Chisinau (+02:00) for Wednesday 12:00.
const plan = restockPlan(threeMachines("Europe/Chisinau"));

/** One field as toCsv writes it (a one-field record without its CRLF). */
const csvField = (value: string) => toCsv([[value]]).slice(0, -2);

describe("csvField / toCsv (RFC 4180)", () => {
  it("given plain text, then it is left bare", () => {
    expect(csvField("syringe-kit")).toBe("syringe-kit");
    expect(csvField("")).toBe("");
  });

  it("given a comma, a double quote, CR or LF, then the field is quoted with inner quotes doubled", () => {
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('Block "A"')).toBe('"Block ""A"""');
    expect(csvField("line1\nline2")).toBe('"line1\nline2"');
    expect(csvField("x\ry")).toBe('"x\ry"');
  });

  it("given rows, then lines end with CRLF, the last one too", () => {
    expect(
      toCsv([
        ["a", "b"],
        ["1", "x,y"],
      ]),
    ).toBe('a,b\r\n1,"x,y"\r\n');
  });
});

describe("renderPlanCsv", () => {
  it("given a plan, then a header and one line per slot in priority order, instants in local ISO", () => {
    const lines = renderPlanCsv(plan).split("\r\n");
    expect(lines[0]).toBe(
      "priority,machine_id,location,slot_id,item_id,capacity,stock_now,avg_daily_demand,days_of_cover," +
        "projected_stockout_at,projected_at_visit,min,max,quantity,lots_to_swap,swap_units,load_units",
    );
    expect(lines[1]).toBe(
      '1,mA,"Block ""A"", east wing",s1,syringe-kit,20,4,2.00,2.0,2026-03-04T02:00:00+02:00,0,4,18,18,,0,18',
    );
    expect(lines[3]).toBe("2,mC,,s2,naloxone-nasal,8,6,0.10,60.0,,5,1,1,0,NX-SOON exp 2026-03-10 x1,1,1");
    expect(lines[4]).toBe("3,mB,Block B,s1,syringe-kit,30,10,1.00,10.0,,7,5,12,5,,0,5");
    expect(lines).toHaveLength(6);
    expect(lines[5]).toBe("");
  });

  it("given the pick section, then one line per item", () => {
    expect(renderPlanCsv(plan, "pick")).toBe(
      "item_id,restock_units,replacement_units,total_units,lots_to_return\r\n" +
        "naloxone-nasal,0,1,1,NX-SOON exp 2026-03-10 x1\r\n" +
        "syringe-kit,27,0,27,\r\n",
    );
  });
});

describe("renderPlanTable", () => {
  it("given a plan, then a heading in local time, aligned slot lines and the pick list", () => {
    const text = renderPlanTable(plan);
    const lines = text.split("\n");
    expect(lines[0]).toBe(
      "Restock plan for prison p1: visit 2026-03-04 12:00 (Europe/Chisinau), following visit 2026-03-11 12:00",
    );
    expect(lines[1]).toBe("Generated 2026-03-02 02:00; lead time 2 d, review interval 7 d, z 1.65");
    const header = lines[3]!;
    expect(header.startsWith("#  machine  location")).toBe(true);
    // Numbers are right-aligned under their heading: the "load" column ends every line.
    const loadEnd = header.length;
    for (const line of lines.slice(4, 8)) expect(line.length).toBe(loadEnd);
    expect(lines[4]).toMatch(/^1 {2}mA {7}Block "A", east wing {2}s1 {4}syringe-kit/);
    expect(lines[6]).toContain("NX-SOON exp 2026-03-10 x1");
    expect(lines[7]).toMatch(/^3 {2}mB .* 10\.0 {2}- {24}7/);
    expect(lines.slice(9, 12)).toEqual([
      "Pick list",
      "item            restock  replace  total  lots to return",
      "naloxone-nasal        0        1      1  NX-SOON exp 2026-03-10 x1",
    ]);
    expect(lines[12]).toBe("syringe-kit          27        0     27");
    expect(text.endsWith("\n")).toBe(true);
    for (const line of lines) expect(line).toBe(line.trimEnd());
  });

  it("given no machine has a location, then the column is left out", () => {
    const input = threeMachines();
    const bare = restockPlan({ ...input, machines: input.machines.map(({ location: _, ...m }) => m) });
    expect(renderPlanTable(bare)).not.toContain("location");
  });
});

describe("renderPlanJson", () => {
  it("given a plan, then JSON with local ISO instants and null for no stockout", () => {
    const json = JSON.parse(renderPlanJson(plan));
    expect(json).toMatchObject({
      prisonId: "p1",
      timeZone: "Europe/Chisinau",
      generatedAt: "2026-03-02T02:00:00+02:00",
      visitAt: "2026-03-04T12:00:00+02:00",
      followingVisitAt: "2026-03-11T12:00:00+02:00",
    });
    expect(json.machines.map((m: { machineId: string }) => m.machineId)).toEqual(["mA", "mC", "mB"]);
    expect(json.machines[0].slots[0].projectedStockoutAt).toBe("2026-03-04T02:00:00+02:00");
    expect(json.machines[2].projectedStockoutAt).toBeNull();
    expect(json.machines[2].slots[0].safetyStock).toBe(2.333);
    expect(json.pickList).toEqual(plan.pickList);
  });
});
