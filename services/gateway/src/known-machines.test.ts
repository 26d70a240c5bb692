import { EXAMPLES } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { KnownMachines } from "./known-machines";
import { registryFilter } from "./registry-feed";

describe("known machines", () => {
  it("given a registration, then the machine is known in its prison only; deactivation forgets it", () => {
    const known = new KnownMachines();
    known.apply(EXAMPLES.ref_machine);
    const { prisonId, machineId } = EXAMPLES.ref_machine;
    expect(known.has(prisonId, machineId)).toBe(true);
    expect(known.has("elsewhere", machineId)).toBe(false);
    known.apply({ ...EXAMPLES.ref_machine, active: false });
    expect(known.has(prisonId, machineId)).toBe(false);
  });

  it("derives the ref_machine filter inside each stream subject", () => {
    expect(registryFilter("hr.v1.>")).toBe("hr.v1.*.*.ref_machine");
    expect(registryFilter("hr.v1.p1.>")).toBe("hr.v1.p1.*.ref_machine");
    expect(registryFilter("hr.v1.*.*.*.*")).toBe("hr.v1.*.*.ref_machine.*");
    expect(registryFilter("hr.v1.p1.*.*.*")).toBe("hr.v1.p1.*.ref_machine.*");
  });
});
