import { configOrExit, parseEnv } from "@hrvend/runtime";
import { DEFAULT_STREAMS, streamServiceEnv } from "@hrvend/runtime/nats";
import { z } from "zod";

export const RecorderEnv = z.object({
  // CONSUMER is a prefix here: the position rows are `<name>` and `<name>-dead`.
  ...streamServiceEnv({ consumer: "recorder", batchSize: 1000, batchWaitMs: 20, metricsPort: 9465 }),
  DEAD_STREAM: z.string().default(DEFAULT_STREAMS.dead),
  /** Health intervals: the longest silence between two heartbeats of one run (stock's SILENCE_MINUTES). */
  HEALTH_GAP_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
});
export type RecorderConfig = z.infer<typeof RecorderEnv>;

export function loadRecorderConfig(env: Record<string, string | undefined>): RecorderConfig {
  return parseEnv(RecorderEnv, env, "recorder");
}

/** The process's configuration, from its environment; a bad variable exits with one line. */
export const recorderConfig = (): RecorderConfig =>
  configOrExit("recorder", () => loadRecorderConfig(process.env));
