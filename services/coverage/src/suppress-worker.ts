import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { RoundInput, RoundOutput, RoundReply } from "./suppress-round";

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

/** When a kept worker is ended and the next round starts a fresh one. */
export interface WorkerRecycling {
  /** Heap cap of the worker (V8's old generation, MB). */
  heapMb: number;
  /** Idle time after a round before the worker ends. */
  idleMs: number;
  /** Rounds a worker solves before it ends. */
  maxRounds: number;
  /** The worker ends after a round that leaves it keeping more (V8 heap in use + HiGHS's wasm memory, MB). */
  keptMb: number;
}

/** The service's defaults (config.ts): a worker lives through a minute without rounds, 200 rounds, 512 MB kept. */
export const RECYCLING_DEFAULTS = { idleMs: 60_000, maxRounds: 200, keptMb: 512 } as const;

interface Live {
  worker: Worker;
  rounds: number;
  idle?: NodeJS.Timeout;
  pending?: { resolve: (out: RoundOutput) => void; reject: (err: Error) => void };
  failure?: SuppressionWorkerError;
}

/**
 * Solves the publication's rounds in a worker thread with a bounded heap, so the service's event
 * loop keeps consuming and acking meanwhile. The worker runs the TypeScript sources through tsx's
 * API (a worker does not inherit the parent's `--import tsx`); starting one costs ~0.65 s of CPU,
 * so it is kept across rounds and ended (terminated, which also releases HiGHS's WebAssembly
 * memory, never given back otherwise) after `idleMs` without a round, after `maxRounds` rounds, or
 * after a round that leaves it keeping more than `keptMb`. A worker that dies (heap cap, crash)
 * fails its round with a `SuppressionWorkerError`; the next round starts a fresh one. One round at
 * a time. An idle worker does not keep the process alive.
 */
export function suppressionWorker(opts: WorkerRecycling) {
  let live: Live | undefined;
  let started = 0;
  const retire = (l: Live) => {
    if (live === l) live = undefined;
    clearTimeout(l.idle);
    return l.worker.terminate();
  };
  const start = (): Live => {
    const boot = `import(${JSON.stringify(tsxApi())}).then((t) => t.tsImport(${JSON.stringify(ROUND_MODULE)}, ${JSON.stringify(import.meta.url)})).then((m) => m.serveRounds())`;
    const worker = new Worker(boot, {
      eval: true,
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: opts.heapMb },
    });
    started++;
    const l: Live = { worker, rounds: 0 };
    worker.on("message", (m: RoundReply) => {
      const p = l.pending;
      l.pending = undefined;
      l.rounds++;
      if (l.rounds >= opts.maxRounds || m.keptMb > opts.keptMb) void retire(l);
      else {
        worker.unref();
        l.idle = setTimeout(() => void retire(l), opts.idleMs);
        l.idle.unref();
      }
      p?.resolve(m.output);
    });
    worker.once("error", (err: Error & { code?: string }) => {
      l.failure =
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
      if (live === l) live = undefined;
      clearTimeout(l.idle);
      const p = l.pending;
      l.pending = undefined;
      p?.reject(
        l.failure ??
          new SuppressionWorkerError(
            `the suppression worker exited (code ${code}) without a result`,
            "no-result",
          ),
      );
    });
    return l;
  };
  return {
    solve(input: RoundInput): Promise<RoundOutput> {
      if (live?.pending)
        return Promise.reject(new Error("the suppression worker solves one round at a time"));
      const l = live ?? start();
      live = l;
      clearTimeout(l.idle);
      l.worker.ref();
      return new Promise<RoundOutput>((resolve, reject) => {
        l.pending = { resolve, reject };
        l.worker.postMessage(input);
      });
    },
    /** Ends the kept worker, if any (a round in flight fails as `no-result`). */
    async close(): Promise<void> {
      if (live) await retire(live);
    },
    /** Workers started so far, and whether one is kept now. */
    stats: () => ({ started, alive: live !== undefined }),
  };
}

/** Solves one round in a worker of its own, ended after it (tests, callers without a kept worker). */
export function solveInWorker(input: RoundInput, opts: { heapMb: number }): Promise<RoundOutput> {
  return suppressionWorker({ ...opts, idleMs: 0, maxRounds: 1, keptMb: Number.POSITIVE_INFINITY }).solve(
    input,
  );
}
