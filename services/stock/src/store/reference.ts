import type { ItemCatalog, ItemInfo } from "../domain";
import type { StockDb } from "./db";

/** The programme's items (from `ref_item`). */
export async function loadCatalog(trx: StockDb): Promise<ItemCatalog> {
  const rows = await trx.selectFrom("stock.item").select(["item_id", "info"]).execute();
  return Object.fromEntries(rows.map((r) => [r.item_id, r.info]));
}

/** Prisons' time zones (from `ref_prison`). */
export async function loadZones(trx: StockDb): Promise<Map<string, string>> {
  const rows = await trx.selectFrom("stock.prison").select(["prison_id", "time_zone"]).execute();
  return new Map(rows.map((r) => [r.prison_id, r.time_zone]));
}

export async function saveItems(
  trx: StockDb,
  items: readonly { itemId: string; info: ItemInfo }[],
): Promise<void> {
  for (const { itemId, info } of items)
    await trx
      .insertInto("stock.item")
      .values({ item_id: itemId, info: JSON.stringify(info) })
      .onConflict((oc) => oc.column("item_id").doUpdateSet((eb) => ({ info: eb.ref("excluded.info") })))
      .execute();
}

export async function savePrisons(
  trx: StockDb,
  prisons: readonly { prisonId: string; timeZone: string }[],
): Promise<void> {
  for (const { prisonId, timeZone } of prisons)
    await trx
      .insertInto("stock.prison")
      .values({ prison_id: prisonId, time_zone: timeZone })
      .onConflict((oc) =>
        oc.column("prison_id").doUpdateSet((eb) => ({ time_zone: eb.ref("excluded.time_zone") })),
      )
      .execute();
}
