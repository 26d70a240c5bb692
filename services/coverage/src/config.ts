import { parseEnv } from "@hrvend/infra";
import { DEFAULT_STREAMS } from "@hrvend/infra/nats";
import { z } from "zod";

export const CoverageEnv = z.object({
  NATS_URL: z.string().min(1),
  NATS_USER: z.string().min(1).optional(),
  NATS_PASSWORD: z.string().min(1).optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  EVENTS_STREAM: z.string().default(DEFAULT_STREAMS.events),
  /** Durable consumer and stream-position name. */
  CONSUMER: z
    .string()
    .regex(/^[\w-]+$/)
    .default("coverage"),
  BATCH_SIZE: z.coerce.number().int().min(1).max(20_000).default(2000),
  /** Coverage is not urgent: waiting longer fills batches, and each batch recounts its periods once. */
  BATCH_WAIT_MS: z.coerce.number().int().min(1).max(10_000).default(500),
  /** How often the suppressed publication catches up with the figures. */
  PUBLISH_INTERVAL_MS: z.coerce.number().int().min(50).max(600_000).default(1000),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9468),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
});
export type CoverageConfig = z.infer<typeof CoverageEnv>;

export function loadCoverageConfig(env: Record<string, string | undefined>): CoverageConfig {
  return parseEnv(CoverageEnv, env, "coverage");
}
