import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RecomputeScheduler } from "./recompute-scheduler";

describe("RecomputeScheduler", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const setup = (intervalMs: number, fail = new Set<string>()) => {
    const runs: [number, string][] = [];
    const errors: string[] = [];
    const planner = new RecomputeScheduler({
      intervalMs,
      retryMs: 500,
      clock: () => Date.now(),
      recompute: async (id) => {
        runs.push([Date.now(), id]);
        if (fail.has(id)) throw new Error("db down");
      },
      onError: (id) => errors.push(id),
    });
    return { planner, runs, errors };
  };

  it("given a prison marked dirty, then it is recomputed at once; marked again within the interval, then once more when the interval is over (trailing)", async () => {
    const { planner, runs } = setup(1000);
    const t0 = Date.now();
    planner.markDirty(["p2", "p1"]);
    await planner.idle();
    expect(runs).toEqual([
      [t0, "p1"],
      [t0, "p2"],
    ]);
    await vi.advanceTimersByTimeAsync(100);
    planner.markDirty(["p1"]);
    planner.markDirty(["p1"]);
    await vi.advanceTimersByTimeAsync(850);
    expect(runs).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(100);
    await planner.idle();
    expect(runs.slice(2)).toEqual([[t0 + 1000, "p1"]]);
    expect(planner.pending).toBe(0);
  });

  it("given a failing recompute, then the error is reported and the prison retried after the retry delay", async () => {
    const fail = new Set(["p1"]);
    const { planner, runs, errors } = setup(0, fail);
    planner.markDirty(["p1"]);
    await planner.idle();
    expect(errors).toEqual(["p1"]);
    fail.clear();
    await vi.advanceTimersByTimeAsync(500);
    await planner.idle();
    expect(runs.map((r) => r[1])).toEqual(["p1", "p1"]);
    expect(planner.pending).toBe(0);
  });

  it("given stop, then nothing further runs", async () => {
    const { planner, runs } = setup(1000);
    planner.markDirty(["p1"]);
    await planner.idle();
    planner.markDirty(["p1"]);
    await planner.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toHaveLength(1);
  });
});
