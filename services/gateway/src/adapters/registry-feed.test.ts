import { describe, expect, it } from "vitest";
import { registryFilter, stillStored } from "./registry-feed";

describe("registry feed", () => {
  it("derives the ref_machine filter inside each stream subject", () => {
    expect(registryFilter("hr.v1.>")).toBe("hr.v1.*.*.ref_machine");
    expect(registryFilter("hr.v1.p1.>")).toBe("hr.v1.p1.*.ref_machine");
    expect(registryFilter("hr.v1.*.*.*.*")).toBe("hr.v1.*.*.ref_machine.*");
    expect(registryFilter("hr.v1.p1.*.*.*")).toBe("hr.v1.p1.*.ref_machine.*");
  });

  it("derives the filter of each reference kind", () => {
    expect(registryFilter("hr.v1.>", "ref_prison")).toBe("hr.v1.*.*.ref_prison");
    expect(registryFilter("hr.v1.*.*.*.*", "ref_item")).toBe("hr.v1.*.*.ref_item.*");
  });

  it("given registrations read at seqs 3, 7, 9 and the stream now starting at 8, then one is still stored and the rest are forgotten", () => {
    const seqs = [3, 7, 9];
    expect(stillStored(seqs, 8)).toBe(1);
    expect(seqs).toEqual([9]);
    // The stream emptied by its max age: none is still there, so any message it counts is new.
    expect(stillStored(seqs, 12)).toBe(0);
    expect(stillStored([], 1)).toBe(0);
  });
});
