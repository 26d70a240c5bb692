import type { VariableSpec } from "../model";
import { inVar, select } from "../sql";

/**
 * Prison, machine (of the chosen prisons) and item: multi-value with All, as every panel filters on
 * them. `schema`: where the audience's role reads the reference lists (administration: its own
 * prisons only).
 */
export const variablesIn = (schema: "reporting" | "administration") => ({
  prisonVar: {
    name: "prison",
    label: "Prison",
    query: select({ __value: "prison_id", __text: "coalesce(name, prison_id)" })
      .from(`${schema}.prison`)
      .orderBy("2")
      .build(),
  } satisfies VariableSpec as VariableSpec,
  machineVar: {
    name: "machine",
    label: "Machine",
    query: select({ __value: "machine_id", __text: "machine_id || ' · ' || location" })
      .from(`${schema}.machine`)
      .where(inVar("prison_id", "prison"))
      .orderBy("1")
      .build(),
  } satisfies VariableSpec as VariableSpec,
  itemVar: {
    name: "item",
    label: "Item",
    query: select({ __value: "item_id", __text: "item_id" }).from(`${schema}.item`).orderBy("1").build(),
  } satisfies VariableSpec as VariableSpec,
});

export const { prisonVar, machineVar, itemVar } = variablesIn("reporting");

/** The filters on those variables: a panel keeps the rows of the chosen prisons, machines and items. */
export const prisonFilter = inVar("prison_id", "prison");
export const machineFilter = [prisonFilter, inVar("machine_id", "machine")];
export const slotFilter = [...machineFilter, inVar("item_id", "item")];

/** How bar gauges and series name a slot. */
export const slotLabel = "machine_id || ' ' || slot_id || ' · ' || item_id";
