import { describe, expect, it } from "vitest";
import { Prng } from "../random/prng";
import { WeightedSet } from "./weighted-set";

describe("WeightedSet", () => {
  it("given weights 1:3:6, when sampling, then members come up in proportion", () => {
    const set = new WeightedSet<string>();
    set.add("a", 1000);
    set.add("b", 3000);
    set.add("c", 6000);
    const rng = new Prng(1);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 30_000; i++) {
      const m = set.sample(rng.next());
      if (m) counts[m] = (counts[m] ?? 0) + 1;
    }
    expect((counts.a ?? 0) / 30_000).toBeCloseTo(0.1, 1);
    expect((counts.b ?? 0) / 30_000).toBeCloseTo(0.3, 1);
    expect((counts.c ?? 0) / 30_000).toBeCloseTo(0.6, 1);
  });

  it("given a removed member, when sampling, then it never comes up and its handle is reused", () => {
    const set = new WeightedSet<string>();
    const a = set.add("a", 5);
    set.add("b", 5);
    set.remove(a);
    expect(set.size).toBe(1);
    expect(set.totalWeight).toBe(5);
    for (let u = 0; u < 1; u += 0.01) expect(set.sample(u)).toBe("b");
    expect(set.add("c", 1)).toBe(a);
  });

  it("given many members added and removed, then totals stay exact", () => {
    const set = new WeightedSet<number>();
    const handles: number[] = [];
    for (let i = 0; i < 100; i++) handles.push(set.add(i, i + 1));
    for (let i = 0; i < 100; i += 2) set.remove(handles[i] as number);
    expect(set.totalWeight).toBe(Array.from({ length: 50 }, (_, k) => 2 * k + 2).reduce((a, b) => a + b, 0));
    expect([...set.values()].every((v) => v % 2 === 1)).toBe(true);
  });
});
