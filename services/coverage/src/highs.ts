import highsLoader from "highs";
import type { LpSolution, LpSolver } from "./domain";

let loading: Promise<LpSolver> | undefined;
let wasmBytes = () => 0;

/** HiGHS's WebAssembly memory (its capacity: it grows and is never given back), 0 before it loads. */
export const solverMemoryBytes = (): number => wasmBytes();

/**
 * HiGHS (University of Edinburgh, MIT licence) compiled to WebAssembly by the `highs` package:
 * the LP/MIP solver behind the funder publication's suppression. Loaded once per process.
 */
export function loadSolver(): Promise<LpSolver> {
  if (!loading)
    loading = highsLoader().then((h) => {
      wasmBytes = () => h.memoryBytes;
      return {
        solve: (model: string, options?: Record<string, unknown>): LpSolution =>
          h.solve(model, { output_flag: false, ...options } as Parameters<typeof h.solve>[1]) as LpSolution,
      };
    });
  return loading;
}
