import type { LocalDate } from "@hrvend/runtime/time";

/** A naloxone lot in a slot (from restock `lots`, minus what was dispensed first-expiry-first-out). */
export interface LotStock {
  lotId: string;
  expiry: LocalDate;
  quantity: number;
}

/** A lot the team takes out at the visit, and how many of its units should still be there. */
export interface LotSwap {
  lotId: string;
  expiry: LocalDate;
  quantityNow: number;
  /** Units of the lot expected at the visit: the machine vends first-expiry-first-out, so these go first. */
  quantityAtVisit: number;
}

/**
 * Lots to swap at a visit (docs/domain.md: "naloxone lots to swap before expiry"): every lot whose
 * expiry date is on or before `swapOnOrBefore`, the local date of the visit after next. Such a
 * lot would expire in the machine before the team comes again (a kit on its expiry day is no
 * use to someone about to be released), which is also the rule the simulated teams follow.
 *
 * `unitsAtVisit` is the slot's projected stock at the visit; since the machine dispenses
 * first-expiry-first-out (docs/domain.md), the units still there are the latest-expiring ones.
 */
export function lotsToSwap(
  lots: readonly LotStock[],
  unitsAtVisit: number,
  swapOnOrBefore: LocalDate,
): LotSwap[] {
  const fefo = [...lots]
    .filter((l) => l.quantity > 0)
    .sort((a, b) => (a.expiry < b.expiry ? -1 : a.expiry > b.expiry ? 1 : a.lotId < b.lotId ? -1 : 1));
  let toDispense = Math.max(0, fefo.reduce((n, l) => n + l.quantity, 0) - Math.max(0, unitsAtVisit));
  const out: LotSwap[] = [];
  for (const lot of fefo) {
    const dispensed = Math.min(lot.quantity, toDispense);
    toDispense -= dispensed;
    if (lot.expiry <= swapOnOrBefore)
      out.push({
        lotId: lot.lotId,
        expiry: lot.expiry,
        quantityNow: lot.quantity,
        quantityAtVisit: lot.quantity - dispensed,
      });
  }
  return out;
}
