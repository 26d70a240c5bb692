import { parentPort, workerData } from "node:worker_threads";
import { type Figure, type SuppressedColumn, suppress, type ThresholdRow, thresholdFor } from "./domain";
import { loadSolver } from "./highs";
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

/** The worker's entry (suppress-worker.ts starts it): one round from `workerData`, its result posted back. */
export async function serveRound(): Promise<void> {
  parentPort?.postMessage(await solveRound(workerData as RoundInput));
}
