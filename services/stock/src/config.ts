import { CommaList, parseEnv } from "@hrvend/infra";
import { DEFAULT_STREAMS } from "@hrvend/infra/nats";
import { z } from "zod";
import { type AlertPolicy, alertPolicy } from "./domain";

export const StockEnv = z.object({
  NATS_URL: z.string().min(1),
  NATS_USER: z.string().min(1).optional(),
  NATS_PASSWORD: z.string().min(1).optional(),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  EVENTS_STREAM: z.string().default(DEFAULT_STREAMS.events),
  ALERTS_STREAM: z.string().default(DEFAULT_STREAMS.alerts ?? "HR_ALERTS"),
  ALERTS_SUBJECTS: CommaList.default(DEFAULT_STREAMS.alertSubjects ?? ["hr.v1.*.*.alert"]),
  /** Durable consumer and stream-position name. */
  CONSUMER: z
    .string()
    .regex(/^[\w-]+$/)
    .default("stock"),
  BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(500),
  BATCH_WAIT_MS: z.coerce.number().int().min(1).max(10_000).default(50),
  /** Naloxone storage band for temperature alerts (DOMAIN.md: excursions 5–40 °C allowed). */
  TEMPERATURE_MIN_C: z.coerce.number().default(5),
  TEMPERATURE_MAX_C: z.coerce.number().default(40),
  LOT_EXPIRING_DAYS: z.coerce.number().int().min(0).default(30),
  SILENCE_MINUTES: z.coerce.number().int().min(1).default(15),
  /** Card refused (quota) spikes: this many refusals at one machine within REFUSAL_SPIKE_MINUTES. */
  REFUSAL_SPIKE_COUNT: z.coerce.number().int().min(1).default(8),
  REFUSAL_SPIKE_MINUTES: z.coerce.number().int().min(1).default(60),
  /** Low stock below the reorder service's Min per slot, reloaded this often (0: no low-stock alerts). */
  MIN_REFRESH_SECONDS: z.coerce.number().int().min(0).default(60),
  /** Reminders while an offline or stockout alert lasts. */
  REMINDER_MINUTES: z.coerce.number().int().min(1).default(60),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9466),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
});
export type StockEnvConfig = z.infer<typeof StockEnv>;

export interface StockConfig extends StockEnvConfig {
  policy: AlertPolicy;
}

export function loadStockConfig(env: Record<string, string | undefined>): StockConfig {
  const e = parseEnv(StockEnv, env, "stock");
  return {
    ...e,
    policy: alertPolicy({
      temperatureBand: { minC: e.TEMPERATURE_MIN_C, maxC: e.TEMPERATURE_MAX_C },
      lotExpiringDays: e.LOT_EXPIRING_DAYS,
      silenceMinutes: e.SILENCE_MINUTES,
      refusalSpike: { count: e.REFUSAL_SPIKE_COUNT, minutes: e.REFUSAL_SPIKE_MINUTES },
    }),
  };
}
