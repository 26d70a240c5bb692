import { addDays, dateAsWritten, startOfLocalDay } from "@hrvend/runtime/time";

/**
 * Units of one lot in a slot. `expiry` is null while a lot is known only from a dispense or an
 * adjustment that arrived before its restock. Quantities are sums of signed changes, so the
 * result does not depend on arrival order; a quantity may be negative for a moment then.
 */
export interface LotState {
  lotId: string;
  expiry: string | null;
  quantity: number;
}

export interface LotQuantity {
  lotId: string;
  expiry: string;
  quantity: number;
}

/** Lots loaded by a restock. */
export function addLots(lots: readonly LotState[], added: readonly LotQuantity[]): LotState[] {
  let next = [...lots];
  for (const l of added) {
    const same = next.find((x) => x.lotId === l.lotId);
    next = same
      ? next.map((x) => (x === same ? { ...x, expiry: l.expiry, quantity: x.quantity + l.quantity } : x))
      : [...next, { ...l }];
  }
  return normalise(next);
}

/** `n` units leave lot `lotId` (a dispense or a removal that names its lot). */
export function takeFromLot(lots: readonly LotState[], lotId: string, n: number): LotState[] {
  const same = lots.some((l) => l.lotId === lotId);
  const next = same
    ? lots.map((l) => (l.lotId === lotId ? { ...l, quantity: l.quantity - n } : l))
    : [...lots, { lotId, expiry: null, quantity: -n }];
  return normalise(next);
}

/** `n` units leave first-expiry-first-out (a dispense or removal that names no lot). */
export function takeFefo(lots: readonly LotState[], n: number): LotState[] {
  let left = n;
  const next = lots.map((l) => {
    const k = Math.min(left, Math.max(0, l.quantity));
    left -= k;
    return k === 0 ? l : { ...l, quantity: l.quantity - k };
  });
  return normalise(next);
}

/** Lots with units in the slot, first to expire first. */
export function stockedLots(lots: readonly LotState[]): LotState[] {
  return lots.filter((l) => l.quantity > 0);
}

/**
 * Units past their expiry date at `at` (a lot is usable through its expiry date, in the
 * prison's local calendar: pass a device time). Expired units count as unavailable.
 */
export function expiredUnits(lots: readonly LotState[], at: string): number {
  const today = dateAsWritten(at);
  return stockedLots(lots)
    .filter((l) => l.expiry !== null && l.expiry < today)
    .reduce((n, l) => n + l.quantity, 0);
}

/**
 * When every unit in the slot will have expired: the end of the last stocked lot's expiry day in
 * the prison's time zone (the start of the next local day, so an expiry day that crosses a DST
 * change keeps its 23 or 25 hours). Without the zone, at the offset `at` is written in (the
 * device's: an hour off across a DST change). Null when a lot's expiry is unknown or the slot
 * tracks no lots: its units never expire here.
 */
export function usableUntil(lots: readonly LotState[], at: string, timeZone?: string | null): string | null {
  const stocked = stockedLots(lots);
  if (stocked.length === 0 || stocked.some((l) => l.expiry === null)) return null;
  const last = stocked.reduce((d, l) => ((l.expiry as string) > d ? (l.expiry as string) : d), "");
  if (timeZone) return startOfLocalDay(addDays(last, 1), timeZone);
  const offset = /(Z|[+-]\d\d:\d\d)$/.exec(at)?.[0] ?? "Z";
  return `${addDays(last, 1)}T00:00:00${offset}`;
}

/** Lots with units that expire within `days` days of `at` (already expired ones included). */
export function lotsExpiringWithin(lots: readonly LotState[], at: string, days: number): LotState[] {
  if (!lots.some((l) => l.quantity > 0 && l.expiry !== null)) return [];
  const limit = expiryLimit(dateAsWritten(at), days);
  return stockedLots(lots).filter((l) => l.expiry !== null && l.expiry <= limit);
}

/**
 * `addDays(date, days)`, remembered for the last date asked (issue #20: it ran for every slot on
 * every event, 4–11 % of the service; the date changes once a day).
 */
let lastLimit: { date: string; days: number; limit: string } | undefined;
function expiryLimit(date: string, days: number): string {
  if (lastLimit === undefined || lastLimit.date !== date || lastLimit.days !== days)
    lastLimit = { date, days, limit: addDays(date, days) };
  return lastLimit.limit;
}

/** Sorted first-expiry-first-out (unknown expiry last, then lot id); empty lots dropped. */
function normalise(lots: LotState[]): LotState[] {
  return lots
    .filter((l) => l.quantity !== 0)
    .sort((a, b) => {
      if (a.expiry !== b.expiry) {
        if (a.expiry === null) return 1;
        if (b.expiry === null) return -1;
        return a.expiry < b.expiry ? -1 : 1;
      }
      return a.lotId < b.lotId ? -1 : a.lotId > b.lotId ? 1 : 0;
    });
}
