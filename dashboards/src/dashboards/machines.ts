import type { DashboardSpec } from "../model";
import { bargauge, orangeFromOne, percentScale, redFromOne, stat, table, timeseries } from "../panels";
import { select, timeFilter, timeFrom, timeGroup, timeTo } from "../sql";
import { machinesOfflineCount, offlineMachinesTable } from "./offline";
import { machineFilter, slotFilter, slotLabel, variablesIn } from "./variables";

/**
 * Prison administration reads schema `administration` only (migration 0010_audiences): views under
 * row-level security and functions filtered on the prisons of the login, so each prison's staff
 * see their own prisons whatever they select.
 */
const { prisonVar, machineVar, itemVar } = variablesIn("administration");

const onlineNow = stat({
  title: "Machines online",
  description: "Machines whose last sign of life is recent (stock service: heartbeats, status events).",
  query: select({
    online: "count(*) FILTER (WHERE status = 'online')",
    machines: "count(*)",
  })
    .from("administration.machine_health")
    .where(...machineFilter)
    .build(),
  w: 4,
});

const offlineNow = machinesOfflineCount(
  "Machines not heard from for the silence threshold, or that announced a shutdown.",
  4,
  "administration",
);

const emptySlots = stat({
  title: "Empty slots",
  description: "Slots with no stock left right now.",
  query: select({ empty_slots: "count(*) FILTER (WHERE level = 0)" })
    .from("administration.slot_stock")
    .where(...slotFilter)
    .build(),
  w: 4,
  thresholds: redFromOne,
});

const activeAlertCount = stat({
  title: "Active alerts",
  description: "Alerts raised and not yet cleared (stockout, offline, faults, temperature, expiring lots).",
  query: select({ active_alerts: "count(*)" })
    .from("administration.alert")
    .where("active", ...machineFilter)
    .build(),
  w: 4,
  thresholds: orangeFromOne,
});

const warmest = stat({
  title: "Warmest cabinet now",
  description: "Highest last-reported cabinet temperature. Naloxone: store 20–25 °C, excursions 5–40 °C.",
  query: select({ temperature_c: "max(temperature_c)" })
    .from("administration.machine_health")
    .where(...machineFilter)
    .build(),
  w: 4,
  unit: "celsius",
  decimals: 1,
  thresholds: [
    { from: null, color: "blue" },
    { from: 5, color: "green" },
    { from: 25, color: "orange" },
    { from: 40, color: "red" },
  ],
});

/** Availability as docs/domain.md defines it: stock > 0 while the machine was online (stock service's function). */
const availability = `administration.slot_availability(${timeFrom}, ${timeTo})`;

/** Availability in percent: red below 90, green from 98. */
const availabilityScale = percentScale([
  { from: null, color: "red" },
  { from: 90, color: "orange" },
  { from: 98, color: "green" },
]);

const meanAvailability = stat({
  title: "Stock availability",
  description:
    "Share of the time range the selected slots had stock while their machine was online (stockout and offline periods from the stock service).",
  query: select({
    availability_pct:
      "round((100 * sum(stocked_online_minutes) / nullif(sum(known_online_minutes), 0))::numeric, 1)",
  })
    .from(availability)
    .where(...slotFilter)
    .build(),
  w: 4,
  ...availabilityScale,
});

const fillPerSlot = bargauge({
  title: "Fill per slot",
  description: "Current level as a share of the slot's capacity.",
  query: select({ slot: slotLabel, fill_pct: "fill_pct" })
    .from("administration.slot_stock")
    .where(...slotFilter)
    .orderBy("fill_pct", "slot")
    .build(),
  w: 12,
  h: 10,
  ...percentScale([
    { from: null, color: "red" },
    { from: 20, color: "orange" },
    { from: 40, color: "green" },
  ]),
});

const availabilityPerSlot = bargauge({
  title: "Availability per slot",
  description: "Share of the time range each slot had stock while its machine was online.",
  query: select({
    slot: slotLabel,
    availability_pct: "round(availability_pct::numeric, 1)",
  })
    .from(availability)
    .where("availability_pct IS NOT NULL", ...slotFilter)
    .orderBy("2", "1")
    .build(),
  w: 12,
  h: 10,
  ...availabilityScale,
});

const stockoutMinutes = table({
  title: "Stockout and uptime per slot",
  description: "Minutes each slot was empty in the time range, and its machine's uptime.",
  query: select({
    prison_id: "prison_id",
    machine_id: "machine_id",
    slot_id: "slot_id",
    item_id: "item_id",
    stockout_minutes: "round(stockout_minutes::numeric)",
    availability_pct: "round(availability_pct::numeric, 1)",
    uptime_pct: "round(uptime_pct::numeric, 1)",
  })
    .from(availability)
    .where(...slotFilter)
    .orderBy("stockout_minutes DESC", "machine_id", "slot_id")
    .build(),
  w: 24,
  h: 8,
});

const stockTable = table({
  title: "Stock per slot",
  description: "Every slot: item, level, capacity, fill, and when the level last changed.",
  query: select({
    prison_id: "prison_id",
    machine_id: "machine_id",
    slot_id: "slot_id",
    item_id: "item_id",
    level: "level",
    capacity: "capacity",
    fill_pct: "fill_pct",
    level_at: "level_at",
  })
    .from("administration.slot_stock")
    .where(...slotFilter)
    .orderBy("prison_id", "machine_id", "slot_id")
    .build(),
  w: 24,
  h: 9,
});

const stockOverTime = timeseries({
  title: "Stock level over time",
  description:
    "Lowest level per slot in each interval, from hourly minima (dispenses lower it, restocks raise it; no dispense instant is shown).",
  query: select({
    time: timeGroup("hour"),
    metric: slotLabel,
    level: "min(min_level)",
  })
    .from(`administration.stock_level_hourly(${timeFrom}, ${timeTo})`)
    .where(...slotFilter)
    .groupBy("1", "2")
    .orderBy("1", "2")
    .build(),
  w: 24,
  h: 9,
  minInterval: "1h",
});

const activeAlerts = table({
  title: "Active alerts",
  description: "What is wrong right now and since when; acknowledged ones show who took them.",
  query: select({
    raised_at: "raised_at",
    prison_id: "prison_id",
    machine_id: "machine_id",
    slot_id: "slot_id",
    type: "type",
    detail: "detail",
    acknowledged_at: "acknowledged_at",
    acknowledged_by: "acknowledged_by",
  })
    .from("administration.alert")
    .where("active", ...machineFilter)
    .orderBy("raised_at DESC")
    .build(),
  // None may be active at the instant a run ends.
  rows: "any",
  w: 24,
  h: 8,
});

const alertsInRange = timeseries({
  title: "Alerts raised per day, by type",
  description: "Alerts raised in each interval of the time range.",
  query: select({ time: timeGroup("raised_at", "'1d'"), metric: "type", alerts: "count(*)" })
    .from("administration.alert")
    .where(timeFilter("raised_at"), ...machineFilter)
    .groupBy("1", "2")
    .orderBy("1", "2")
    .build(),
  w: 24,
  h: 8,
});

const temperature = timeseries({
  title: "Cabinet temperature",
  description:
    "Highest cabinet temperature per machine and interval (heartbeats), so an excursion shows. Naloxone: 5–40 °C allowed.",
  query: select({ time: timeGroup("hour"), metric: "machine_id", temperature_c: "max(max_temperature_c)" })
    .from(`administration.machine_temperature(${timeFrom}, ${timeTo})`)
    .where(...machineFilter)
    .groupBy("1", "2")
    .orderBy("1", "2")
    .build(),
  w: 24,
  h: 9,
  unit: "celsius",
  // Excursions last hours: 2-hour maxima show every one and keep a month at 360 points a machine.
  minInterval: "2h",
  thresholds: [
    { from: null, color: "green" },
    { from: 40, color: "red" },
  ],
});

const offlineMachines = offlineMachinesTable(
  "Machines offline now, since when, last heard from, and on what power.",
  24,
  { battery_pct: "battery_pct", door: "door", firmware: "firmware" },
  "administration",
);

export const machinesDashboard: DashboardSpec = {
  uid: "hrvend-machines",
  title: "hrvend · Machines and stock",
  audience: "Prison administration",
  access: "administration",
  description: "Is every machine stocked, online, cold enough and working — and since when is it not?",
  tags: ["hrvend", "administration"],
  time: { from: "now-30d", to: "now" },
  variables: [prisonVar, machineVar, itemVar],
  rows: [
    {
      title: "Now",
      panels: [onlineNow, offlineNow, emptySlots, activeAlertCount, warmest, meanAvailability],
    },
    {
      title: "Stock",
      panels: [fillPerSlot, availabilityPerSlot, stockTable, stockoutMinutes, stockOverTime],
    },
    { title: "Alerts and machines", panels: [activeAlerts, alertsInRange, temperature, offlineMachines] },
  ],
};
