import type { PanelSpec } from "../model";
import { redFromOne, stat, table } from "../panels";
import { select } from "../sql";
import { machineFilter } from "./variables";

/** Administration and operators both watch offline machines: the same count and list, sized per dashboard. */
export const machinesOfflineCount = (
  description: string,
  w: number,
  schema: "reporting" | "administration" = "reporting",
): PanelSpec =>
  stat({
    title: "Machines offline",
    description,
    query: select({ offline: "count(*) FILTER (WHERE status = 'offline')" })
      .from(`${schema}.machine_health`)
      .where(...machineFilter)
      .build(),
    w,
    thresholds: redFromOne,
  });

/** Offline machines since when and on what power; `more` columns of reporting.machine_health follow. */
export const offlineMachinesTable = (
  description: string,
  w: number,
  more: Record<string, string> = {},
  schema: "reporting" | "administration" = "reporting",
): PanelSpec =>
  table({
    title: "Offline machines",
    description,
    query: select({
      prison_id: "prison_id",
      machine_id: "machine_id",
      status_since: "status_since",
      last_seen_at: "last_seen_at",
      power: "power",
      ...more,
    })
      .from(`${schema}.machine_health`)
      .where("status = 'offline'", ...machineFilter)
      .orderBy("status_since")
      .build(),
    // None may be offline when a run ends.
    rows: "any",
    w,
    h: 7,
  });
