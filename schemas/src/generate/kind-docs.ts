import type { EventKind } from "../event";

export interface KindDoc {
  /** Who publishes it; the topic's `sourceId` level is that source's id. */
  source: "vending machine" | "census office" | "prison health unit" | "reference registry" | "operator";
  summary: string;
  /** Rules the zod contract enforces that JSON Schema cannot express; readers of the JSON Schema need them. */
  rules: string[];
}

/** Prose for the generated JSON Schema and AsyncAPI documents; the zod schemas stay the contract. */
export const KIND_DOCS: { [K in EventKind]: KindDoc } = {
  dispense: {
    source: "vending machine",
    summary: "A card holder took units of an item from a slot.",
    rules: [],
  },
  dispense_refused: {
    source: "vending machine",
    summary: "A card holder asked for an item and the machine refused (slot empty, quota reached, fault).",
    rules: [],
  },
  restock: {
    source: "vending machine",
    summary:
      "Outreach staff loaded units into a slot, with the naloxone lots loaded when the item tracks lots.",
    rules: ["lot quantities add up to quantity", "stockAfter is at least quantity"],
  },
  stock_adjustment: {
    source: "vending machine",
    summary: "A physical count corrected a slot's level, or expired/damaged units were removed.",
    rules: ["delta is negative unless reason is count"],
  },
  heartbeat: {
    source: "vending machine",
    summary: "Periodic health report: cabinet temperature, door, power, firmware, uptime.",
    rules: [],
  },
  fault: {
    source: "vending machine",
    summary: "A fault was raised or cleared.",
    rules: [],
  },
  status: {
    source: "vending machine",
    summary: "Birth message on connect; last will or clean-shutdown message on disconnect.",
    rules: [],
  },
  census: {
    source: "census office",
    summary: "A prison's population, admissions and releases for one local calendar day.",
    rules: [],
  },
  oat: {
    source: "prison health unit",
    summary: "An entry of the opioid agonist therapy register: enrolment, daily dose or discharge.",
    rules: ["action dose needs doseMg", "action discharge needs dischargeReason"],
  },
  ref_prison: {
    source: "reference registry",
    summary: "A prison: name, time zone, capacity and the prevalence figures coverage is computed against.",
    rules: ["timeZone is an IANA time zone name"],
  },
  ref_machine: {
    source: "reference registry",
    summary: "A vending machine, where it stands, and what each slot holds.",
    rules: ["slot ids are unique within the machine"],
  },
  ref_item: {
    source: "reference registry",
    summary: "An item the machines hand out.",
    rules: [],
  },
  alert_ack: {
    source: "operator",
    summary:
      "A person acknowledges a stock alert (someone is on it); the stock service keeps it on the alert, also in a rebuild.",
    rules: [],
  },
};
