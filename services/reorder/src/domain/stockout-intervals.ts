import { type Interval, mergeIntervals } from "./interval";

/**
 * A slot's stock level read at an instant, after a change (dispense, restock or adjustment: the
 * events' `stockAfter`). Not the stock service's LevelChange (a stored row with key, cause, delta…).
 */
export interface LevelReading {
  at: number;
  level: number;
  /** The machine's event number: orders changes within one millisecond (arrival order is not seq order after an outage). */
  seq?: number;
}

/**
 * How the adapter describes when a slot could not vend: either the level history (the slot is out
 * while its level is 0) or the stockout intervals themselves (e.g. from the stock service).
 */
export type SlotAvailability =
  | {
      kind: "levels";
      /** Level at the start of the window when no change before it is given. */
      levelAtStart: number;
      /** Changes in any order; those before the window only set the level it starts with. */
      changes: readonly LevelReading[];
    }
  | { kind: "intervals"; stockouts: readonly Interval[] };

/**
 * The parts of `window` in which the slot was at 0, merged and clipped to the window. Changes at
 * the same instant apply in `seq` order, else in the order given (the last one wins).
 */
export function stockoutIntervals(availability: SlotAvailability, window: Interval): Interval[] {
  if (availability.kind === "intervals") {
    return mergeIntervals(
      availability.stockouts.map((i) => ({
        from: Math.max(i.from, window.from),
        to: Math.min(i.to, window.to),
      })),
    );
  }
  const changes = [...availability.changes].sort((a, b) => a.at - b.at || (a.seq ?? 0) - (b.seq ?? 0));
  let level = availability.levelAtStart;
  for (const c of changes) if (c.at <= window.from) level = c.level;
  let emptySince = level <= 0 ? window.from : undefined;
  const out: Interval[] = [];
  for (const c of changes) {
    if (c.at <= window.from) continue;
    if (c.at >= window.to) break;
    if (c.level <= 0) emptySince ??= c.at;
    else if (emptySince !== undefined) {
      out.push({ from: emptySince, to: c.at });
      emptySince = undefined;
    }
  }
  if (emptySince !== undefined) out.push({ from: emptySince, to: window.to });
  return mergeIntervals(out);
}
