import type { EventOf } from "@hrvend/schemas";

export type ItemCategory = EventOf<"ref_item">["category"];

export interface ItemInfo {
  category: ItemCategory;
  tracksLots: boolean;
}

/** Items by itemId, from `ref_item` reference events (programme-wide). */
export type ItemCatalog = Readonly<Record<string, ItemInfo>>;

export function evolveCatalog(catalog: ItemCatalog, event: EventOf<"ref_item">): ItemCatalog {
  return { ...catalog, [event.itemId]: { category: event.category, tracksLots: event.tracksLots } };
}
