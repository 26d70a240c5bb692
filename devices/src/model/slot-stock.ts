export interface LotQuantity {
  lotId: string;
  /** YYYY-MM-DD */
  expiry: string;
  quantity: number;
}

/** Stock would go negative or over capacity: a bug in the caller, never a simulated condition. */
export class StockInvariantError extends Error {
  override readonly name = "StockInvariantError";
}

/**
 * Units in one slot. Lot-tracked items (naloxone) keep their lots and leave first-expiry-first-out.
 * Stock only changes through take (dispense), load (restock) and adjust (count, expired, damaged).
 */
export class SlotStock {
  private lotList: LotQuantity[] = [];
  private units = 0;

  constructor(
    readonly slotId: string,
    readonly itemId: string,
    readonly capacity: number,
    readonly tracksLots: boolean,
  ) {}

  get level(): number {
    return this.units;
  }

  get lots(): readonly LotQuantity[] {
    return this.lotList;
  }

  /** Removes one unit for a dispense; returns the lot it came from, if tracked. */
  take(): string | undefined {
    if (this.units <= 0) throw new StockInvariantError(`slot ${this.slotId} is empty`);
    this.units--;
    if (!this.tracksLots) return undefined;
    const first = this.lotList[0];
    if (first === undefined) throw new StockInvariantError(`slot ${this.slotId} has units but no lots`);
    first.quantity--;
    if (first.quantity === 0) this.lotList.shift();
    return first.lotId;
  }

  /** Adds units (with their lots when tracked). */
  load(quantity: number, lots: readonly LotQuantity[] = []): void {
    if (quantity <= 0) throw new StockInvariantError("a load must add at least one unit");
    if (this.units + quantity > this.capacity)
      throw new StockInvariantError(`slot ${this.slotId} would exceed capacity ${this.capacity}`);
    if (this.tracksLots) {
      const sum = lots.reduce((n, l) => n + l.quantity, 0);
      if (sum !== quantity) throw new StockInvariantError("lot quantities must add up to the load");
      for (const l of lots) {
        const same = this.lotList.find((x) => x.lotId === l.lotId);
        if (same) same.quantity += l.quantity;
        else this.lotList.push({ ...l });
      }
      this.lotList.sort((a, b) =>
        a.expiry < b.expiry ? -1 : a.expiry > b.expiry ? 1 : a.lotId < b.lotId ? -1 : 1,
      );
    }
    this.units += quantity;
  }

  /**
   * Removes `-delta` units (delta < 0) or adds found units (delta > 0, count corrections of
   * untracked items). For tracked items a removal comes from `lotId`, or first-expiry-first-out.
   */
  adjust(delta: number, lotId?: string): void {
    if (this.units + delta < 0) throw new StockInvariantError(`slot ${this.slotId} would go negative`);
    if (this.units + delta > this.capacity)
      throw new StockInvariantError(`slot ${this.slotId} would exceed capacity ${this.capacity}`);
    if (this.tracksLots) {
      if (delta > 0)
        throw new StockInvariantError("units of a lot-tracked item can only be added by a restock");
      let left = -delta;
      while (left > 0) {
        const lot = lotId === undefined ? this.lotList[0] : this.lotList.find((l) => l.lotId === lotId);
        if (lot === undefined) throw new StockInvariantError(`slot ${this.slotId} has no lot ${lotId ?? ""}`);
        const n = Math.min(left, lot.quantity);
        lot.quantity -= n;
        left -= n;
        if (lot.quantity === 0) this.lotList.splice(this.lotList.indexOf(lot), 1);
      }
    }
    this.units += delta;
  }

  snapshotLots(): LotQuantity[] | undefined {
    return this.tracksLots ? this.lotList.map((l) => ({ ...l })) : undefined;
  }
}
