import { monitorEventLoopDelay } from "node:perf_hooks";
import { beforeAll, describe, expect, it } from "vitest";
import { type LpSolver, suppress } from "./domain";
import { loadSolver } from "./highs";
import { quarterFigures } from "./quarter-figures";
import { SuppressionWorkerError, solveInWorker, suppressionWorker } from "./suppress-worker";

let solver: LpSolver;
beforeAll(async () => {
  solver = await loadSolver();
});

const quarter = (oat: number[]) => quarterFigures(2026, oat);
const thresholds = [{ effectiveFrom: "2020-01-01", threshold: 5, source: "t" }];
const sorted = (cells: Iterable<[string, Iterable<string>]>) =>
  Object.fromEntries([...cells].map(([k, s]) => [k, [...s].sort()]));

describe("the publication round's worker thread", () => {
  it("given a snapshot, then the worker's pattern is the one suppression computes in-process, and its memo skips the year next time", async () => {
    const figures = quarter([3, 30, 12, 1, 44, 2]);
    const out = await solveInWorker({ figures, thresholds, memo: [] }, { heapMb: 256 });
    expect(sorted(out.cells)).toEqual(sorted(suppress(solver, figures, () => 5).cells));
    expect(out.lps).toBeGreaterThan(0);
    expect(out.memo.map(([year]) => year)).toEqual(["2026"]);
    const again = await solveInWorker({ figures, thresholds, memo: out.memo }, { heapMb: 256 });
    expect(again.lps).toBe(0);
    expect(sorted(again.cells)).toEqual(sorted(out.cells));
  });

  it("given a heap cap the round cannot fit in, then it fails with a SuppressionWorkerError and no pattern, and the next worker solves", async () => {
    const figures = quarter([3, 30, 12, 1, 44, 2]);
    const failed = await solveInWorker({ figures, thresholds, memo: [] }, { heapMb: 2 }).catch(
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(SuppressionWorkerError);
    expect((failed as SuppressionWorkerError).reason).toBe("heap");
    const out = await solveInWorker({ figures, thresholds, memo: [] }, { heapMb: 256 });
    expect(sorted(out.cells)).toEqual(sorted(suppress(solver, figures, () => 5).cells));
  });

  it("given two rounds within the idle time, then one worker solves both; after the idle time it has ended and the next round starts a fresh one", async () => {
    const figures = quarter([3, 30, 12, 1, 44, 2]);
    const expected = sorted(suppress(solver, figures, () => 5).cells);
    const w = suppressionWorker({ heapMb: 256, idleMs: 1500, maxRounds: 10, keptMb: 1024 });
    try {
      expect(sorted((await w.solve({ figures, thresholds, memo: [] })).cells)).toEqual(expected);
      expect(w.stats()).toEqual({ started: 1, alive: true });
      const second = await w.solve({ figures: quarter([2, 40, 3]), thresholds, memo: [] });
      expect(sorted(second.cells)).toEqual(sorted(suppress(solver, quarter([2, 40, 3]), () => 5).cells));
      expect(w.stats()).toEqual({ started: 1, alive: true });
      await new Promise((r) => setTimeout(r, 2500));
      expect(w.stats()).toEqual({ started: 1, alive: false });
      expect(sorted((await w.solve({ figures, thresholds, memo: [] })).cells)).toEqual(expected);
      expect(w.stats()).toEqual({ started: 2, alive: true });
    } finally {
      await w.close();
    }
    expect(w.stats().alive).toBe(false);
  }, 60_000);

  it("given a round count or a kept-memory bound reached, then the worker ends after that round, and a dead worker's next round starts a fresh one", async () => {
    const figures = quarter([3, 30, 12, 1, 44, 2]);
    const byRounds = suppressionWorker({ heapMb: 256, idleMs: 60_000, maxRounds: 2, keptMb: 1024 });
    await byRounds.solve({ figures, thresholds, memo: [] });
    expect(byRounds.stats()).toEqual({ started: 1, alive: true });
    await byRounds.solve({ figures, thresholds, memo: [] });
    expect(byRounds.stats()).toEqual({ started: 1, alive: false });
    // HiGHS's wasm memory alone is over 1 MB: every round ends its worker.
    const byMemory = suppressionWorker({ heapMb: 256, idleMs: 60_000, maxRounds: 10, keptMb: 1 });
    await byMemory.solve({ figures, thresholds, memo: [] });
    expect(byMemory.stats()).toEqual({ started: 1, alive: false });
    const dying = suppressionWorker({ heapMb: 2, idleMs: 60_000, maxRounds: 10, keptMb: 1024 });
    await expect(dying.solve({ figures, thresholds, memo: [] })).rejects.toBeInstanceOf(
      SuppressionWorkerError,
    );
    expect(dying.stats()).toEqual({ started: 1, alive: false });
    await expect(dying.solve({ figures, thresholds, memo: [] })).rejects.toBeInstanceOf(
      SuppressionWorkerError,
    );
    expect(dying.stats()).toEqual({ started: 2, alive: false });
  }, 60_000);

  it("given a long solve, then the calling thread's event loop is not blocked meanwhile", async () => {
    const figures = quarter(Array.from({ length: 800 }, (_, i) => (i * 7) % 13));
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();
    await solveInWorker({ figures, thresholds, memo: [] }, { heapMb: 512 });
    const took = performance.now() - started;
    delay.disable();
    const maxStallMs = delay.max / 1e6;
    // The solve takes seconds; the loop's longest stall stays a fraction of it (worker start-up and messages).
    expect(took).toBeGreaterThan(1000);
    expect(maxStallMs).toBeLessThan(Math.min(500, took / 4));
  }, 120_000);
});
