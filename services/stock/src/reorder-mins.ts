import { slotMins } from "@hrvend/reorder/read";
import type { Database } from "@hrvend/runtime/db";
import type { Kysely } from "kysely";
import type { Logger } from "pino";

/**
 * The Min of every slot as the reorder service last computed it (docs/domain.md §Max-min: below Min,
 * `low_stock`), refreshed on a timer: a live input, so a rebuild of the stock tables judges past
 * levels against the Mins of its own time (low-stock alerts are the one figure a replay may date
 * differently; every other one is rebuilt exactly).
 */
class ReorderMins {
  private mins = new Map<string, number>();

  lookup = (machineId: string, slotId: string): number | undefined => this.mins.get(`${machineId}/${slotId}`);

  /** Reloads every slot's Min; returns how many slots have one. */
  async refresh(db: Kysely<Database>): Promise<number> {
    this.mins = await slotMins(db);
    return this.mins.size;
  }
}

/**
 * Loads the Mins now and every `seconds` (0: never; low-stock alerts are then off). A failure is
 * logged and retried at the next round. Returns the lookup and the function that stops it.
 */
export async function startMinRefresh(
  db: Kysely<Database>,
  log: Logger,
  seconds: number,
): Promise<{ lookup: ReorderMins["lookup"] | undefined; stop: () => void }> {
  if (seconds <= 0) return { lookup: undefined, stop: () => {} };
  const mins = new ReorderMins();
  const refresh = async () => {
    try {
      log.debug({ slots: await mins.refresh(db) }, "reorder Mins loaded");
    } catch (err) {
      log.warn({ err }, "reorder Mins not loaded (is the reorder service migrated?); low-stock alerts wait");
    }
  };
  await refresh();
  const timer = setInterval(refresh, seconds * 1000);
  return { lookup: mins.lookup, stop: () => clearInterval(timer) };
}
