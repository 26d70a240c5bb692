/** How urgent an alert type is, for routing. */
export const SEVERITIES = ["critical", "warning", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * The stock service's alert types (services/stock/src/domain/alertType.ts) and their default
 * severity: critical when people may be turned away or naloxone spoils (empty, offline, too
 * warm or cold, tampered, no power), a warning when something needs attention on the next round.
 * A rules file may override any of them.
 */
export const DEFAULT_SEVERITY: Record<string, Severity> = {
  stockout: "critical",
  offline: "critical",
  temperature_out_of_range: "critical",
  fault_temperature: "critical",
  fault_tamper: "critical",
  fault_power_loss: "critical",
  low_stock: "warning",
  lot_expiring: "warning",
  door_open: "warning",
  refusal_spike: "warning",
  fault_jam: "warning",
  fault_card_reader: "warning",
  fault_other: "warning",
};
export const ALERT_TYPES = Object.keys(DEFAULT_SEVERITY);

/** An alert type the table does not know (a newer stock service) is a warning until configured. */
export function severityOf(type: string, overrides: Record<string, Severity> = {}): Severity {
  return overrides[type] ?? DEFAULT_SEVERITY[type] ?? "warning";
}
