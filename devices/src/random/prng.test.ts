import { describe, expect, it } from "vitest";
import { Prng } from "./prng";

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const draw = (n: number, f: () => number) => Array.from({ length: n }, f);

describe("Prng", () => {
  it("given the same seed, when drawing, then the sequences are identical", () => {
    const a = new Prng(42);
    const b = new Prng("42");
    expect(draw(100, () => a.nextUint32())).toEqual(draw(100, () => b.nextUint32()));
  });

  it("given different seeds or fork labels, when drawing, then the sequences differ", () => {
    expect(new Prng(1).next()).not.toBe(new Prng(2).next());
    const root = new Prng(7);
    expect(root.fork("a").next()).not.toBe(root.fork("b").next());
    expect(new Prng(7).fork("a").next()).toBe(new Prng(7).fork("a").next());
  });

  it("draws uniform, exponential, Poisson and Gamma values with the right means", () => {
    const r = new Prng("dist");
    expect(mean(draw(20_000, () => r.next()))).toBeCloseTo(0.5, 1);
    expect(mean(draw(20_000, () => r.exponential(3)))).toBeCloseTo(3, 0);
    expect(mean(draw(20_000, () => r.poisson(4)))).toBeCloseTo(4, 0);
    expect(mean(draw(20_000, () => r.gamma(0.6, 2)))).toBeCloseTo(1.2, 1);
    expect(mean(draw(20_000, () => r.gamma(3, 1)))).toBeCloseTo(3, 1);
    const ints = draw(1000, () => r.int(6));
    expect(Math.min(...ints)).toBe(0);
    expect(Math.max(...ints)).toBe(5);
  });
});
