import type { Database } from "@hrvend/runtime/db";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { publishIfBehind } from "./store";

/**
 * Keeps the suppressed publication up to date with the committed figures: at start, then every
 * interval while figures move, and once more on stop. Suppression runs over every figure, so
 * doing it per micro-batch would cost more than the batch; a second of delay costs funders nothing.
 * While it runs it holds the figures lock, so the pause after a round is at least five times the
 * round: on a long history the publication never takes more than a sixth of the service's time.
 */
export function startPublisher(db: Kysely<Database>, intervalMs: number, log: Logger) {
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    if (busy) return running;
    busy = true;
    const started = Date.now();
    running = publishIfBehind(db)
      .then((rows) => {
        if (rows !== null) log.debug({ rows }, "publication updated");
      })
      .catch((err: unknown) => log.warn({ err }, "publication failed; the next round retries"))
      .finally(() => {
        busy = false;
        if (!stopped) timer = setTimeout(() => void tick(), Math.max(intervalMs, 5 * (Date.now() - started)));
      });
    return running;
  };
  void tick();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
      await tick();
    },
  };
}
