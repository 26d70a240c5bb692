import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { RoundInput, RoundOutput } from "./suppress-round";

/** A publication round's worker died (heap limit, crash) or ended without a result: nothing is published. */
export class SuppressionWorkerError extends Error {
  override name = "SuppressionWorkerError";
  constructor(
    message: string,
    readonly reason: "heap" | "crash" | "no-result",
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const ROUND_MODULE = new URL("./suppress-round.ts", import.meta.url).href;
/** tsx's ESM API (its `exports` map's import condition; the CommonJS build cannot load its ESM part from a worker). */
function tsxApi(): string {
  const pkg = createRequire(import.meta.url).resolve("tsx/package.json");
  const exportsMap = (
    JSON.parse(readFileSync(pkg, "utf8")) as { exports: Record<string, { import: { default: string } }> }
  ).exports;
  return pathToFileURL(
    join(dirname(pkg), exportsMap["./esm/api"]?.import.default ?? "dist/esm/api/index.mjs"),
  ).href;
}

/**
 * Solves a round in a fresh worker thread with a bounded heap (`heapMb`, V8's old generation), so
 * the service's event loop keeps consuming and acking meanwhile, and HiGHS's WebAssembly memory,
 * which an instance never gives back, is released when the worker ends. The worker runs the
 * TypeScript sources through tsx's API (a worker does not inherit the parent's `--import tsx`).
 */
export function solveInWorker(input: RoundInput, opts: { heapMb: number }): Promise<RoundOutput> {
  const boot = `import(${JSON.stringify(tsxApi())}).then((t) => t.tsImport(${JSON.stringify(ROUND_MODULE)}, ${JSON.stringify(import.meta.url)})).then((m) => m.serveRound())`;
  return new Promise((resolve, reject) => {
    let result: RoundOutput | undefined;
    let failure: SuppressionWorkerError | undefined;
    const worker = new Worker(boot, {
      eval: true,
      workerData: input,
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: opts.heapMb },
    });
    worker.once("message", (m: RoundOutput) => {
      result = m;
    });
    worker.once("error", (err: Error & { code?: string }) => {
      failure =
        err.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? new SuppressionWorkerError(
              `the suppression worker ran out of its ${opts.heapMb} MB heap`,
              "heap",
              {
                cause: err,
              },
            )
          : new SuppressionWorkerError(`the suppression worker failed: ${err.message}`, "crash", {
              cause: err,
            });
    });
    worker.once("exit", (code) => {
      if (failure) reject(failure);
      else if (result && code === 0) resolve(result);
      else
        reject(
          new SuppressionWorkerError(
            `the suppression worker exited (code ${code}) without a result`,
            "no-result",
          ),
        );
    });
  });
}
