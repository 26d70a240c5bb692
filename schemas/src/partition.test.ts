import { describe, expect, it } from "vitest";
import { EXAMPLES } from "./examples";
import { partitionFilter, partitionOf, partitionsOf } from "./partition";
import { addressOf } from "./topics";

describe("partitions of the subject space", () => {
  it("given a prison, when partitioned twice, then it lands in the same partition", () => {
    expect(partitionOf("md-branesti", 8)).toBe(partitionOf("md-branesti", 8));
    expect(partitionOf("md-branesti", 1)).toBe(0);
  });

  it("given the estate's 1,500 prisons, then 8 partitions are each within 25% of an even share", () => {
    const counts = new Array(8).fill(0);
    for (let i = 1; i <= 1500; i++) counts[partitionOf(`es-p${String(i).padStart(4, "0")}`, 8)]++;
    for (const c of counts) expect(Math.abs(c - 1500 / 8)).toBeLessThan((1500 / 8) * 0.25);
  });

  it("given an item definition, then it goes to every partition; a dispense to its prison's only", () => {
    expect(partitionsOf(addressOf(EXAMPLES.ref_item), 4)).toEqual([0, 1, 2, 3]);
    expect(partitionsOf(addressOf(EXAMPLES.dispense), 4)).toEqual([partitionOf("md-branesti", 4)]);
    expect(partitionsOf(addressOf(EXAMPLES.dispense), 0)).toEqual([]);
  });

  it("given a partitioned stream subject, then a partition's filter replaces the last token", () => {
    expect(partitionFilter("hr.v1.*.*.*.*", 3)).toBe("hr.v1.*.*.*.3");
    expect(partitionFilter("hr.v1.t1-p.*.*.*", 0)).toBe("hr.v1.t1-p.*.*.0");
    expect(() => partitionFilter("hr.v1.*.*.dispense", 0)).toThrow(/not a partitioned subject/);
  });
});
