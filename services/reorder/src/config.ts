import { configOrExit, parseEnv } from "@hrvend/runtime";
import { streamServiceEnv } from "@hrvend/runtime/nats";
import { z } from "zod";
import { DEFAULT_FILL_TO, DEFAULT_Z } from "./domain";

const ScheduleOverride = z
  .strictObject({
    anchorDate: z.iso.date({ message: "must be a calendar date YYYY-MM-DD" }),
    firstVisitDay: z.int().min(0).max(3650),
    intervalDays: z.number().positive().max(365),
    hour: z.number().min(0).lt(24),
    leadTimeDays: z.number().min(0).max(365),
  })
  .partial();

/** `REORDER_SCHEDULES`: overrides by prison id; `"*"` overrides the default for every prison (domain's scheduleFor). */
const ScheduleOverrides = z.record(z.string().min(1), ScheduleOverride);

/** The reorder service's whole configuration, from the environment, parsed once at start. */
export const ReorderEnv = z.object({
  ...streamServiceEnv({ consumer: "reorder", batchSize: 1000, batchWaitMs: 50, metricsPort: 9467 }),
  /**
   * Outreach schedules: a JSON object by prison id, each entry any of `intervalDays`,
   * `firstVisitDay`, `hour`, `leadTimeDays`, `anchorDate`; key `"*"` changes the default
   * (weekly on Wednesdays at 10:00 local, 2 days lead time). See README.
   */
  REORDER_SCHEDULES: z
    .string()
    .default("{}")
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch (e) {
        ctx.addIssue({ code: "custom", message: `not JSON: ${(e as Error).message}` });
        return z.NEVER;
      }
    })
    .pipe(ScheduleOverrides),
  /** Complete local days demand is measured over (28 = four of each weekday). */
  WINDOW_DAYS: z.coerce.number().int().min(1).max(365).default(28),
  /** Safety-stock service factor (1.65 ≈ 95 % cycle service level). */
  SAFETY_Z: z.coerce.number().min(0).max(5).default(DEFAULT_Z),
  /**
   * What a visit fills a slot to: `capacity` (bring capacity − projected + safety stock, load
   * what fits) or `max` (Max − projected, docs/domain.md §Max-min). See the domain's FillTo.
   */
  FILL_TO: z.enum(["capacity", "max"]).default(DEFAULT_FILL_TO),
  /** A prison's plan is recomputed at most once per this many ms of wall time (0: after every batch). */
  RECOMPUTE_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(10_000),
});
export type ReorderConfig = z.infer<typeof ReorderEnv>;

export function loadReorderConfig(env: Record<string, string | undefined>): ReorderConfig {
  return parseEnv(ReorderEnv, env, "reorder");
}

/** The configuration from this process's environment; a bad one prints one line and exits 2. */
export function reorderConfig(): ReorderConfig {
  return configOrExit("reorder", () => loadReorderConfig(process.env));
}
