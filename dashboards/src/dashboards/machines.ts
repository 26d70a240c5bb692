import type { DashboardSpec, PanelSpec } from "../model";
import { inVar, select, timeFilter, timeFrom, timeGroup, timeTo } from "../sql";
import { itemVar, machineVar, prisonVar } from "./variables";

const machineFilter = [inVar("prison_id", "prison"), inVar("machine_id", "machine")];
const slotFilter = [...machineFilter, inVar("item_id", "item")];

const onlineNow: PanelSpec = {
  title: "Machines online",
  description: "Machines whose last sign of life is recent (stock service: heartbeats, status events).",
  kind: "stat",
  query: select({
    online: "count(*) FILTER (WHERE status = 'online')",
    machines: "count(*)",
  })
    .from("reporting.machine_health")
    .where(...machineFilter)
    .build(),
  format: "table",
  rows: "some",
  w: 4,
  h: 4,
};

const offlineNow: PanelSpec = {
  title: "Machines offline",
  description: "Machines not heard from for the silence threshold, or that announced a shutdown.",
  kind: "stat",
  query: select({ offline: "count(*) FILTER (WHERE status = 'offline')" })
    .from("reporting.machine_health")
    .where(...machineFilter)
    .build(),
  format: "table",
  rows: "some",
  w: 4,
  h: 4,
  thresholds: [
    { from: null, color: "green" },
    { from: 1, color: "red" },
  ],
};

const emptySlots: PanelSpec = {
  title: "Empty slots",
  description: "Slots with no stock left right now.",
  kind: "stat",
  query: select({ empty_slots: "count(*) FILTER (WHERE level = 0)" })
    .from("reporting.slot_stock")
    .where(...slotFilter)
    .build(),
  format: "table",
  rows: "some",
  w: 4,
  h: 4,
  thresholds: [
    { from: null, color: "green" },
    { from: 1, color: "red" },
  ],
};

const activeAlertCount: PanelSpec = {
  title: "Active alerts",
  description: "Alerts raised and not yet cleared (stockout, offline, faults, temperature, expiring lots).",
  kind: "stat",
  query: select({ active_alerts: "count(*)" })
    .from("reporting.alert")
    .where("active", ...machineFilter)
    .build(),
  format: "table",
  rows: "some",
  w: 4,
  h: 4,
  thresholds: [
    { from: null, color: "green" },
    { from: 1, color: "orange" },
  ],
};

const warmest: PanelSpec = {
  title: "Warmest cabinet now",
  description: "Highest last-reported cabinet temperature. Naloxone: store 20–25 °C, excursions 5–40 °C.",
  kind: "stat",
  query: select({ temperature_c: "max(temperature_c)" })
    .from("reporting.machine_health")
    .where(...machineFilter)
    .build(),
  format: "table",
  rows: "some",
  w: 4,
  h: 4,
  unit: "celsius",
  decimals: 1,
  thresholds: [
    { from: null, color: "blue" },
    { from: 5, color: "green" },
    { from: 25, color: "orange" },
    { from: 40, color: "red" },
  ],
};

/** Availability as DOMAIN.md defines it: stock > 0 while the machine was online (stock service's function). */
const availability = `reporting.slot_availability(${timeFrom}, ${timeTo})`;

const meanAvailability: PanelSpec = {
  title: "Stock availability",
  description:
    "Share of the time range the selected slots had stock while their machine was online (stockout and offline periods from the stock service).",
  kind: "stat",
  query: select({
    availability_pct:
      "round((100 * sum(stocked_online_minutes) / nullif(sum(known_online_minutes), 0))::numeric, 1)",
  })
    .from(availability)
    .where(...slotFilter)
    .build(),
  format: "table",
  rows: "some",
  w: 4,
  h: 4,
  unit: "percent",
  min: 0,
  max: 100,
  thresholds: [
    { from: null, color: "red" },
    { from: 90, color: "orange" },
    { from: 98, color: "green" },
  ],
};

const fillPerSlot: PanelSpec = {
  title: "Fill per slot",
  description: "Current level as a share of the slot's capacity.",
  kind: "bargauge",
  query: select({ slot: "machine_id || ' ' || slot_id || ' · ' || item_id", fill_pct: "fill_pct" })
    .from("reporting.slot_stock")
    .where(...slotFilter)
    .orderBy("fill_pct", "slot")
    .build(),
  format: "table",
  rows: "some",
  w: 12,
  h: 10,
  unit: "percent",
  min: 0,
  max: 100,
  thresholds: [
    { from: null, color: "red" },
    { from: 20, color: "orange" },
    { from: 40, color: "green" },
  ],
};

const availabilityPerSlot: PanelSpec = {
  title: "Availability per slot",
  description: "Share of the time range each slot had stock while its machine was online.",
  kind: "bargauge",
  query: select({
    slot: "machine_id || ' ' || slot_id || ' · ' || item_id",
    availability_pct: "round(availability_pct::numeric, 1)",
  })
    .from(availability)
    .where("availability_pct IS NOT NULL", ...slotFilter)
    .orderBy("2", "1")
    .build(),
  format: "table",
  rows: "some",
  w: 12,
  h: 10,
  unit: "percent",
  min: 0,
  max: 100,
  thresholds: [
    { from: null, color: "red" },
    { from: 90, color: "orange" },
    { from: 98, color: "green" },
  ],
};

const stockoutMinutes: PanelSpec = {
  title: "Stockout and uptime per slot",
  description: "Minutes each slot was empty in the time range, and its machine's uptime.",
  kind: "table",
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
  format: "table",
  rows: "some",
  w: 24,
  h: 8,
};

const stockTable: PanelSpec = {
  title: "Stock per slot",
  description: "Every slot: item, level, capacity, fill, and when the level last changed.",
  kind: "table",
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
    .from("reporting.slot_stock")
    .where(...slotFilter)
    .orderBy("prison_id", "machine_id", "slot_id")
    .build(),
  format: "table",
  rows: "some",
  w: 24,
  h: 9,
};

const stockOverTime: PanelSpec = {
  title: "Stock level over time",
  description: "Lowest level per slot in each interval (dispenses lower it, restocks raise it).",
  kind: "timeseries",
  query: select({
    time: timeGroup("device_time"),
    metric: "machine_id || ' ' || slot_id || ' · ' || item_id",
    level: "min(level)",
  })
    .from("reporting.stock_level_change")
    .where(timeFilter("device_time"), ...slotFilter)
    .groupBy("1", "2")
    .orderBy("1", "2")
    .build(),
  format: "time_series",
  rows: "some",
  w: 24,
  h: 9,
  minInterval: "1h",
};

const activeAlerts: PanelSpec = {
  title: "Active alerts",
  description: "What is wrong right now and since when; acknowledged ones show who took them.",
  kind: "table",
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
    .from("reporting.alert")
    .where("active", ...machineFilter)
    .orderBy("raised_at DESC")
    .build(),
  format: "table",
  // None may be active at the instant a run ends.
  rows: "any",
  w: 24,
  h: 8,
};

const alertsInRange: PanelSpec = {
  title: "Alerts raised per day, by type",
  description: "Alerts raised in each interval of the time range.",
  kind: "timeseries",
  query: select({ time: timeGroup("raised_at", "'1d'"), metric: "type", alerts: "count(*)" })
    .from("reporting.alert")
    .where(timeFilter("raised_at"), ...machineFilter)
    .groupBy("1", "2")
    .orderBy("1", "2")
    .build(),
  format: "time_series",
  rows: "some",
  w: 24,
  h: 8,
};

const temperature: PanelSpec = {
  title: "Cabinet temperature",
  description:
    "Highest cabinet temperature per machine and interval (heartbeats), so an excursion shows. Naloxone: 5–40 °C allowed.",
  kind: "timeseries",
  query: select({ time: timeGroup("event_time"), metric: "machine_id", temperature_c: "max(temperature_c)" })
    .from("reporting.machine_temperature")
    .where(timeFilter("event_time"), ...machineFilter)
    .groupBy("1", "2")
    .orderBy("1", "2")
    .build(),
  format: "time_series",
  rows: "some",
  w: 24,
  h: 9,
  unit: "celsius",
  // Excursions last hours: 2-hour maxima show every one and keep a month at 360 points a machine.
  minInterval: "2h",
  thresholds: [
    { from: null, color: "green" },
    { from: 40, color: "red" },
  ],
};

const offlineMachines: PanelSpec = {
  title: "Offline machines",
  description: "Machines offline now, since when, last heard from, and on what power.",
  kind: "table",
  query: select({
    prison_id: "prison_id",
    machine_id: "machine_id",
    status_since: "status_since",
    last_seen_at: "last_seen_at",
    power: "power",
    battery_pct: "battery_pct",
    door: "door",
    firmware: "firmware",
  })
    .from("reporting.machine_health")
    .where("status = 'offline'", ...machineFilter)
    .orderBy("status_since")
    .build(),
  format: "table",
  rows: "any",
  w: 24,
  h: 7,
};

export const machinesDashboard: DashboardSpec = {
  uid: "hrvend-machines",
  title: "hrvend · Machines and stock",
  audience: "Prison administration",
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
