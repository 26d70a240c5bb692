import { CommaList, configOrExit, parseEnv } from "@hrvend/runtime";
import { DEFAULT_STREAMS, streamServiceEnv } from "@hrvend/runtime/nats";
import { z } from "zod";
import { type AlertPolicy, alertPolicy } from "./domain";

export const StockEnv = z.object({
  // A batch reads only its machines' row versions (states are kept in memory): a larger batch
  // costs no more per event, and a replay spends less on fetches and round trips (issue #20).
  ...streamServiceEnv({ consumer: "stock", batchSize: 5000, batchWaitMs: 50, metricsPort: 9466 }),
  ALERTS_STREAM: z.string().default(DEFAULT_STREAMS.alerts ?? "HR_ALERTS"),
  ALERTS_SUBJECTS: CommaList.default(DEFAULT_STREAMS.alertSubjects ?? ["hr.v1.*.*.alert"]),
  /** Naloxone storage band for temperature alerts (docs/domain.md: excursions 5–40 °C allowed). */
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
  /** Dead letters of the gateway: a machine's dead-lettered seq stops holding its later events at once. */
  DEAD_STREAM: z.string().default(DEFAULT_STREAMS.dead),
  /**
   * Longest a machine's seq gap holds its later events (stream time: when JetStream stored
   * them), then the gap is skipped and recorded (reporting.stock_seq_gap). Minutes, not days:
   * it must exceed the reordering of the gateways' in-flight windows, nothing more.
   */
  GAP_BOUND_SECONDS: z.coerce.number().int().min(1).default(300),
  /** The live timer: silence (offline), lot expiry, overdue gaps and reminders, this often. */
  TICK_SECONDS: z.coerce.number().min(0.2).default(30),
  /** A partition counts as live (the timer runs for its prisons) with at most this many messages pending. */
  LIVE_LAG_MESSAGES: z.coerce.number().int().min(0).default(1000),
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

/** The service's configuration from its environment, read once at start; a bad variable exits 2 with one line. */
export function stockConfig(): StockConfig {
  return configOrExit("stock", () => loadStockConfig(process.env));
}
