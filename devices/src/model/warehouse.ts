import type { LotQuantity } from "./slot-stock";

export interface WarehouseLot {
  lotId: string;
  itemId: string;
  /** YYYY-MM-DD */
  expiry: string;
  quantity: number;
}

/**
 * The programme's store of lot-tracked items (naloxone). Outreach picks first-expiry-first-out,
 * skipping lots that would expire before `notExpiringBefore`. Untracked items are unlimited.
 */
export class Warehouse {
  private readonly lots: WarehouseLot[];

  constructor(lots: readonly WarehouseLot[]) {
    this.lots = lots
      .map((l) => ({ ...l }))
      .sort((a, b) => (a.expiry < b.expiry ? -1 : a.expiry > b.expiry ? 1 : a.lotId < b.lotId ? -1 : 1));
  }

  /** Takes up to `quantity` units of `itemId`; the result may hold fewer when stock runs short. */
  pick(itemId: string, quantity: number, notExpiringBefore: string): LotQuantity[] {
    const out: LotQuantity[] = [];
    let left = quantity;
    for (const lot of this.lots) {
      if (left === 0) break;
      if (lot.itemId !== itemId || lot.quantity === 0 || lot.expiry < notExpiringBefore) continue;
      const n = Math.min(left, lot.quantity);
      lot.quantity -= n;
      left -= n;
      out.push({ lotId: lot.lotId, expiry: lot.expiry, quantity: n });
    }
    return out;
  }

  remaining(itemId: string): number {
    return this.lots.filter((l) => l.itemId === itemId).reduce((n, l) => n + l.quantity, 0);
  }
}
