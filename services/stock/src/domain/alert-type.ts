import type { FaultCode } from "./machine-state";

/**
 * Kinds of alert (docs/domain.md §Alerts). One active alert per
 * (machine, slot or none, type). Faults the machine reports are `fault_<code>`, except its door
 * alarm (door left open past its limit), which is `door_open`.
 */
const ALERT_TYPES = [
  "stockout",
  "low_stock",
  "lot_expiring",
  "offline",
  "door_open",
  "temperature_out_of_range",
  "refusal_spike",
  "fault_jam",
  "fault_card_reader",
  "fault_tamper",
  "fault_power_loss",
  "fault_temperature",
  "fault_other",
] as const;

export type AlertType = (typeof ALERT_TYPES)[number];

export function faultAlertType(code: FaultCode): AlertType {
  switch (code) {
    case "door_open":
      return "door_open";
    case "jam":
      return "fault_jam";
    case "card_reader":
      return "fault_card_reader";
    case "tamper":
      return "fault_tamper";
    case "power_loss":
      return "fault_power_loss";
    case "temperature":
      return "fault_temperature";
    case "other":
      return "fault_other";
  }
}
