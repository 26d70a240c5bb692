import { EXAMPLES } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { KnownMachines } from "./known-machines";

describe("known machines", () => {
  it("given a registration, then the machine is known in its prison only; deactivation forgets it", () => {
    const known = new KnownMachines();
    known.apply(EXAMPLES.ref_machine);
    const { prisonId, machineId } = EXAMPLES.ref_machine;
    expect(known.has(prisonId, machineId)).toBe(true);
    expect(known.has("elsewhere", machineId)).toBe(false);
    known.apply({ ...EXAMPLES.ref_machine, active: false, seq: EXAMPLES.ref_machine.seq + 1 });
    expect(known.has(prisonId, machineId)).toBe(false);
  });

  it("given a registration from another registry source with a higher seq, then it is ignored: seqs are never compared across sources", () => {
    const known = new KnownMachines();
    const { prisonId, machineId } = EXAMPLES.ref_machine;
    expect(known.apply({ ...EXAMPLES.ref_machine, seq: 5 })).toBe(true);
    expect(
      known.apply({ ...EXAMPLES.ref_machine, sourceId: "rogue", prisonId: "elsewhere", seq: 1_000_000 }),
    ).toBe(false);
    expect(known.apply({ ...EXAMPLES.ref_machine, sourceId: "rogue", active: false, seq: 1_000_001 })).toBe(
      false,
    );
    expect(known.has(prisonId, machineId)).toBe(true);
    expect(known.registrarOf(machineId)).toBe(EXAMPLES.ref_machine.sourceId);
    expect(known.isMachine(machineId)).toBe(true);
  });

  it("given the registrar's registrations out of order, then only a higher seq changes the machine", () => {
    const known = new KnownMachines();
    const { prisonId, machineId } = EXAMPLES.ref_machine;
    known.apply({ ...EXAMPLES.ref_machine, seq: 10, active: false });
    expect(known.apply({ ...EXAMPLES.ref_machine, seq: 9, active: true })).toBe(false);
    expect(known.has(prisonId, machineId)).toBe(false);
    expect(known.isMachine(machineId)).toBe(true);
    expect(known.apply({ ...EXAMPLES.ref_machine, seq: 11, active: true })).toBe(true);
    expect(known.has(prisonId, machineId)).toBe(true);
  });
});
