import type { PanelKind, PanelSpec } from "./model";

/** What a panel declares: its kind fixes the query format, and a run's data has rows unless it says otherwise. */
type Declared = Omit<PanelSpec, "kind" | "format" | "rows"> & Partial<Pick<PanelSpec, "rows">>;

const panel =
  (kind: PanelKind) =>
  (p: Declared): PanelSpec => ({
    kind,
    format: kind === "timeseries" ? "time_series" : "table",
    rows: "some",
    ...p,
  });

/** Stats are one row of figures: every one is 4 high. */
export const stat = (p: Omit<Declared, "h">): PanelSpec => panel("stat")({ ...p, h: 4 });
export const table = panel("table");
export const bargauge = panel("bargauge");
export const timeseries = panel("timeseries");

/** Counts where any is a fault (offline machines, empty slots, stockouts before the visit). */
export const redFromOne: PanelSpec["thresholds"] = [
  { from: null, color: "green" },
  { from: 1, color: "red" },
];

/** Counts where any needs a look (active alerts, rejects, slots below Min). */
export const orangeFromOne: PanelSpec["thresholds"] = [
  { from: null, color: "green" },
  { from: 1, color: "orange" },
];

/** A share in percent on a full 0–100 scale, coloured by `thresholds`. */
export const percentScale = (thresholds: PanelSpec["thresholds"]) => ({
  unit: "percent",
  min: 0,
  max: 100,
  thresholds,
});
