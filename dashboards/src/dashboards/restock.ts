import type { DashboardSpec } from "../model";
import { bargauge, orangeFromOne, redFromOne, stat, table, timeseries } from "../panels";
import { epochMs, inVar, select, timeFilter, timeGroup, timeTo } from "../sql";
import { itemVar, machineVar, prisonFilter, prisonVar, slotFilter, slotLabel } from "./variables";

const nextVisit = stat({
  title: "Next outreach visit",
  description: "The earliest planned visit among the selected prisons.",
  query: select({ next_visit: epochMs("min(visit_at)") })
    .from("reporting.restock_plan_line")
    .where(prisonFilter)
    .build(),
  w: 6,
  unit: "dateTimeAsIso",
});

const unitsToLoad = stat({
  title: "Units to load",
  description: "All units on the pick lists of the next visits: restock plus lot replacements.",
  query: select({ units: "coalesce(sum(total_units), 0)" })
    .from("reporting.restock_pick_list")
    .where(prisonFilter, inVar("item_id", "item"))
    .build(),
  w: 6,
  unit: "none",
});

const stockoutsBeforeVisit = stat({
  title: "Slots running out before the visit",
  description: "Slots whose projected stockout comes before the next planned visit.",
  query: select({ slots: "count(*) FILTER (WHERE projected_stockout_at < visit_at)" })
    .from("reporting.restock_plan_line")
    .where(...slotFilter)
    .build(),
  w: 6,
  thresholds: redFromOne,
});

const belowMin = stat({
  title: "Slots below Min",
  description: "Slots whose stock is below the max-min Min (demand × lead time + safety stock).",
  query: select({ slots: "count(*) FILTER (WHERE below_min)" })
    .from("reporting.slot_forecast")
    .where(...slotFilter)
    .build(),
  w: 6,
  thresholds: orangeFromOne,
});

const visits = table({
  title: "Next visits",
  description: "Per prison: when the next visit is, the one after, how many machines and units.",
  query: select({
    prison_id: "prison_id",
    visit_at: "visit_at",
    following_visit_at: "following_visit_at",
    machines: "count(DISTINCT machine_id)",
    units: "sum(quantity)",
    swaps: "sum(swap_units)",
  })
    .from("reporting.restock_plan_line")
    .where(prisonFilter)
    .groupBy("prison_id", "visit_at", "following_visit_at")
    .orderBy("visit_at", "prison_id")
    .build(),
  w: 24,
  h: 7,
});

const planLines = table({
  title: "Restock plan, machine by machine",
  description:
    "Machines in priority order (projected stockout first); quantity = Max − stock projected at the visit.",
  query: select({
    prison_id: "prison_id",
    priority: "priority",
    machine_id: "machine_id",
    location: "location",
    slot_id: "slot_id",
    item_id: "item_id",
    stock_now: "stock_now",
    projected_at_visit: "projected_at_visit",
    min: "min",
    max: "max",
    quantity: "quantity",
    swap_units: "swap_units",
    projected_stockout_at: "projected_stockout_at",
  })
    .from("reporting.restock_plan_line")
    .where(...slotFilter)
    .orderBy("prison_id", "priority", "slot_id")
    .build(),
  w: 24,
  h: 10,
});

const projectedStockouts = table({
  title: "Projected stockouts",
  description: "Slots by projected stockout time (current stock / forecast demand), soonest first.",
  query: select({
    projected_stockout_at: "projected_stockout_at",
    prison_id: "prison_id",
    machine_id: "machine_id",
    location: "location",
    slot_id: "slot_id",
    item_id: "item_id",
    stock: "stock",
    average_daily: "round(average_daily::numeric, 2)",
    days_of_cover: "round(days_of_cover::numeric, 1)",
  })
    .from("reporting.slot_forecast")
    .where("projected_stockout_at IS NOT NULL", ...slotFilter)
    .orderBy("projected_stockout_at")
    .build(),
  w: 14,
  h: 10,
});

const daysOfCover = bargauge({
  title: "Days of cover per slot",
  description: "Stock / average daily demand. Fewer days than the visit interval needs a restock.",
  query: select({
    slot: slotLabel,
    days_of_cover: "round(least(days_of_cover, 60)::numeric, 1)",
  })
    .from("reporting.slot_forecast")
    .where("days_of_cover IS NOT NULL", ...slotFilter)
    .orderBy("2", "1")
    .build(),
  w: 10,
  h: 10,
  unit: "d",
  min: 0,
  max: 60,
  thresholds: [
    { from: null, color: "red" },
    { from: 7, color: "orange" },
    { from: 14, color: "green" },
  ],
});

const pickList = table({
  title: "Pick list",
  description: "What to load for each prison's next visit, per item: restock and lot replacements.",
  query: select({
    prison_id: "prison_id",
    visit_at: "visit_at",
    item_id: "item_id",
    restock_units: "restock_units",
    replacement_units: "replacement_units",
    total_units: "total_units",
  })
    .from("reporting.restock_pick_list")
    .where(prisonFilter, inVar("item_id", "item"))
    .orderBy("visit_at", "prison_id", "item_id")
    .build(),
  w: 12,
  h: 9,
});

const expiringLots = table({
  title: "Naloxone lots by expiry",
  description:
    "Lots in the machines, soonest expiry first; lots expiring before the following visit are swapped.",
  query: select({
    expiry: "expiry",
    // Counted to the end of the time range (Grafana's "now" unless the range is moved).
    days_left: `expiry - (${timeTo})::date`,
    prison_id: "prison_id",
    machine_id: "machine_id",
    slot_id: "slot_id",
    item_id: "item_id",
    lot_id: "lot_id",
    quantity: "quantity",
  })
    .from("reporting.lot_expiry")
    .where(...slotFilter)
    .orderBy("expiry", "prison_id", "machine_id")
    .build(),
  w: 12,
  h: 9,
});

const dispensedPerDay = timeseries({
  title: "Dispensed per day, by item",
  description: "Units dispensed per local day (the demand the forecast learns from).",
  query: select({
    time: timeGroup("local_date::timestamp AT TIME ZONE 'UTC'", "'1d'"),
    metric: "item_id",
    units: "sum(quantity)",
  })
    .from("reporting.dispense_daily")
    .where(timeFilter("local_date"), ...slotFilter)
    .groupBy("1", "2")
    .orderBy("1", "2")
    .build(),
  w: 24,
  h: 8,
});

export const restockDashboard: DashboardSpec = {
  uid: "hrvend-restock",
  title: "hrvend · Restock planning",
  audience: "Peer outreach coordinators",
  access: "outreach",
  description: "What to load for the next visit, to which machine first, and which naloxone lots to swap.",
  tags: ["hrvend", "outreach"],
  time: { from: "now-30d", to: "now" },
  variables: [prisonVar, machineVar, itemVar],
  rows: [
    { title: "Next visit", panels: [nextVisit, unitsToLoad, stockoutsBeforeVisit, belowMin, visits] },
    { title: "Plan", panels: [planLines, projectedStockouts, daysOfCover, pickList, expiringLots] },
    { title: "Demand", panels: [dispensedPerDay] },
  ],
};
