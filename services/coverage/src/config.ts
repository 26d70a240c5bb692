import { configOrExit, parseEnv } from "@hrvend/runtime";
import { streamServiceEnv } from "@hrvend/runtime/nats";
import { z } from "zod";
import { RECYCLING_DEFAULTS } from "./suppress-worker";

export const CoverageEnv = z.object({
  ...streamServiceEnv({
    consumer: "coverage",
    batchSize: 10_000,
    maxBatchSize: 20_000,
    // Coverage is not urgent: waiting longer fills batches, and each batch recounts its periods once.
    batchWaitMs: 500,
    metricsPort: 9468,
  }),
  /** How often the suppressed publication catches up with the figures. */
  PUBLISH_INTERVAL_MS: z.coerce.number().int().min(50).max(600_000).default(1000),
  /**
   * Heap cap (V8 old generation, MB) of the worker thread that solves a publication round. A round
   * over the cap ends its worker: nothing is published, an error is logged and counted, and the
   * next round retries; raise it if `hrvend_coverage_publication_rounds_total{outcome="worker_failed"}` grows.
   */
  PUBLISH_WORKER_HEAP_MB: z.coerce.number().int().min(32).max(16_384).default(1024),
  /**
   * The worker is kept across rounds (starting one costs ~0.65 s of CPU) and ended, releasing
   * HiGHS's WebAssembly memory, after this long without a round...
   */
  PUBLISH_WORKER_IDLE_MS: z.coerce.number().int().min(0).max(3_600_000).default(RECYCLING_DEFAULTS.idleMs),
  /** ...after this many rounds... */
  PUBLISH_WORKER_MAX_ROUNDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(RECYCLING_DEFAULTS.maxRounds),
  /** ...or after a round that leaves it keeping more than this (its V8 heap in use + HiGHS's wasm memory, MB). */
  PUBLISH_WORKER_KEPT_MB: z.coerce.number().int().min(16).max(65_536).default(RECYCLING_DEFAULTS.keptMb),
});
export type CoverageConfig = z.infer<typeof CoverageEnv>;

export function loadCoverageConfig(env: Record<string, string | undefined>): CoverageConfig {
  return parseEnv(CoverageEnv, env, "coverage");
}

/** The service's configuration from its environment, read once at start; a bad variable exits 2 with one line. */
export function coverageConfig(): CoverageConfig {
  return configOrExit("coverage", () => loadCoverageConfig(process.env));
}
