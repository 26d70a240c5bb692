import { describe, expect, it } from "vitest";
import { ScenarioError } from "../errors";
import { BUILTIN_SCENARIOS, loadScenario } from "./load-scenario";
import { parseScenario } from "./parse-scenario";

// biome-ignore lint/suspicious/noExplicitAny: the tests edit arbitrary JSON to break it
const small = () => JSON.parse(loadScenario("small").text) as Record<string, any>;

function problemsOf(value: unknown): string[] {
  try {
    parseScenario(value, "test scenario");
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as ScenarioError).problems;
  }
  throw new Error("expected a ScenarioError");
}

describe("parseScenario", () => {
  it.each(BUILTIN_SCENARIOS)("accepts the shipped scenario %s", (name) => {
    expect(loadScenario(name).scenario.name).toBe(name);
  });

  it("expands the estate from its compact description into 1,500 prisons × 3 machines, the same every time", () => {
    const a = loadScenario("estate").scenario;
    expect(a.prisons).toHaveLength(1500);
    expect(a.prisons.every((p) => p.machines.length === 3)).toBe(true);
    expect(new Set(a.prisons.flatMap((p) => p.machines.map((m) => m.machineId))).size).toBe(4500);
    expect(loadScenario("estate").scenario.prisons[700]).toEqual(a.prisons[700]);
  });

  it("given a missing field and a wrong type, then each problem names its path and what was expected", () => {
    const s = small();
    delete s.heartbeatSeconds;
    s.prisons[0].population = "many";
    const problems = problemsOf(s);
    expect(problems).toContainEqual(expect.stringMatching(/^heartbeatSeconds: .*expected number/));
    expect(problems).toContainEqual(expect.stringMatching(/^prisons\.0\.population: .*expected number/));
  });

  it("given a slot of an unknown item, then it says which items exist", () => {
    const s = small();
    s.prisons[0].machines[0].slots[0].itemId = "methadone";
    expect(problemsOf(s)).toEqual([
      "prisons.0.machines.0.slots.0.itemId: unknown item 'methadone'; items are syringe-kit, naloxone-nasal",
    ]);
  });

  it("given duplicate machine ids, extra fields and a bad time zone, then all are reported", () => {
    const s = small();
    s.prisons[1].machines[0].machineId = "sm-north-m1";
    expect(problemsOf(s)).toContainEqual(expect.stringContaining("duplicate machineId 'sm-north-m1'"));
    const t = small();
    t.prisons[0].timeZone = "Mars/Olympus";
    t.prisons[0].colour = "blue";
    const problems = problemsOf(t);
    expect(problems).toContainEqual(expect.stringContaining("prisons.0.timeZone: must be an IANA time zone"));
    expect(problems).toContainEqual(expect.stringContaining("unexpected field(s) 'colour'"));
  });

  it("given both or neither of prisons and generate, then it asks for exactly one", () => {
    const s = small();
    delete s.prisons;
    expect(problemsOf(s)).toEqual(["prisons: give exactly one of 'prisons' or 'generate'"]);
  });

  it("given an unknown scenario name, then it lists the shipped ones", () => {
    expect(() => loadScenario("nope")).toThrow(/shipped scenarios are small, pilot, estate/);
  });
});
