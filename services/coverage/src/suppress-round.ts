import { getHeapStatistics } from "node:v8";
import { parentPort } from "node:worker_threads";
import { type Figure, type SuppressedColumn, suppress, type ThresholdRow, thresholdFor } from "./domain";
import { loadSolver, solverMemoryBytes } from "./highs";
import { type MemoEntry, yearMemo } from "./memo";

/** What one publication round solves: a snapshot of the funder figures, the thresholds and the years already solved. */
export interface RoundInput {
  figures: Figure[];
  thresholds: ThresholdRow[];
  memo: MemoEntry[];
}

/** The round's pattern (hidden columns per figure key) and the memo after it (structured-clone safe). */
export interface RoundOutput {
  cells: [string, SuppressedColumn[]][];
  memo: MemoEntry[];
  lps: number;
}

/** Solves a round's suppression (HiGHS): in the publisher's worker thread, or in-process. */
export async function solveRound(input: RoundInput): Promise<RoundOutput> {
  const memo = yearMemo(input.memo);
  const thresholdOf = (f: { periodEnd: string }) => thresholdFor(f.periodEnd, input.thresholds);
  const { cells, stats } = suppress(await loadSolver(), input.figures, thresholdOf, memo);
  return { cells: [...cells].map(([k, set]) => [k, [...set]]), memo: memo.entries(), lps: stats.lps };
}

/** A round's answer from the worker: its output, and the memory the worker keeps after it (its V8 heap in use + HiGHS's wasm memory). */
export interface RoundReply {
  output: RoundOutput;
  keptMb: number;
}

/** The worker's entry (suppress-worker.ts starts it): solves each round posted to it, one at a time, and posts the reply back. */
export function serveRounds(): void {
  parentPort?.on("message", async (input: RoundInput) => {
    const output = await solveRound(input);
    const keptMb = (getHeapStatistics().used_heap_size + solverMemoryBytes()) / 2 ** 20;
    parentPort?.postMessage({ output, keptMb } satisfies RoundReply);
  });
}
