import type { Database } from "@hrvend/infra/db";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { publishIfBehind } from "./store";

/**
 * Keeps the suppressed publication up to date with the committed figures: at start, then every
 * interval while figures move, and once more on stop. Suppression runs over every figure, so
 * doing it per micro-batch would cost more than the batch; a second of delay costs funders nothing.
 */
export function startPublisher(db: Kysely<Database>, intervalMs: number, log: Logger) {
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  const tick = () => {
    if (busy) return running;
    busy = true;
    running = publishIfBehind(db)
      .then((rows) => {
        if (rows !== null) log.debug({ rows }, "publication updated");
      })
      .catch((err: unknown) => log.warn({ err }, "publication failed; the next round retries"))
      .finally(() => {
        busy = false;
      });
    return running;
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
      await tick();
    },
  };
}
