import type { ItemCatalog, ItemInfo } from "./domain";
import type { StockDb } from "./store/db";
import { loadCatalog, loadZones } from "./store/reference";

export interface Reference {
  catalog: ItemCatalog;
  zones: ReadonlyMap<string, string>;
}

/**
 * The item catalogue and the prisons' time zones, read once (at the first batch, and again after
 * this instance's partitions changed) and then kept up to date from the `ref_item`/`ref_prison`
 * events the consumer itself applies (issue #20: they were read in every batch). Updated after
 * the transaction that stored them committed; replaced, never mutated.
 */
export class ReferenceCache {
  private ref: Reference | undefined;

  async get(trx: StockDb): Promise<Reference> {
    if (this.ref === undefined) this.ref = { catalog: await loadCatalog(trx), zones: await loadZones(trx) };
    return this.ref;
  }

  committed(
    items: readonly { itemId: string; info: ItemInfo }[],
    prisons: readonly { prisonId: string; timeZone: string }[],
  ): void {
    if (this.ref === undefined || (items.length === 0 && prisons.length === 0)) return;
    const catalog = { ...this.ref.catalog };
    for (const { itemId, info } of items) catalog[itemId] = info;
    const zones = new Map(this.ref.zones);
    for (const { prisonId, timeZone } of prisons) zones.set(prisonId, timeZone);
    this.ref = { catalog, zones };
  }

  /** Read again at the next batch (a partition came or went: another instance may have written). */
  reset(): void {
    this.ref = undefined;
  }
}
