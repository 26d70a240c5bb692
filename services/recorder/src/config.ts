import { parseEnv } from "@hrvend/infra";
import { DEFAULT_STREAMS } from "@hrvend/infra/nats";
import { z } from "zod";

export const RecorderEnv = z.object({
  NATS_URL: z.string().min(1),
  /** The recorder's own NATS user (one user per service); none on an open server. */
  NATS_USER: z.string().min(1).optional(),
  NATS_PASSWORD: z.string().min(1).optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  EVENTS_STREAM: z.string().default(DEFAULT_STREAMS.events),
  DEAD_STREAM: z.string().default(DEFAULT_STREAMS.dead),
  /** Durable consumer name prefix; the position rows are `<name>` and `<name>-dead`. */
  CONSUMER: z
    .string()
    .regex(/^[\w-]+$/)
    .default("recorder"),
  BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(1000),
  BATCH_WAIT_MS: z.coerce.number().int().min(1).max(10_000).default(20),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9465),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
});
export type RecorderConfig = z.infer<typeof RecorderEnv>;

export function loadRecorderConfig(env: Record<string, string | undefined>): RecorderConfig {
  return parseEnv(RecorderEnv, env, "recorder");
}
