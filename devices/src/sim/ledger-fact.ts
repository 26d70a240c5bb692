import type { PlacementSpec } from "../scenario/scenario-schema";

/**
 * One line of the ground-truth ledger (JSONL). Every line also has `t`, the simulated instant in
 * UTC (ISO 8601). Lines are in simulated-time order; ties in generation order.
 */
export type LedgerFact =
  | { fact: "run_start"; scenario: string; seed: string; days: number; start: string; end: string }
  | { fact: "run_end"; events: number; byKind: Record<string, number> }
  /**
   * An event as generated (its payload follows as `event`). `via: "will"` marks a machine's last
   * will that the broker is expected to publish when the simulated connection dies.
   */
  | { fact: "event"; key: string; via?: "will" }
  /** Stock of a slot after every change; `delta` is the change, `cause` what made it. */
  | {
      fact: "stock";
      machineId: string;
      slotId: string;
      itemId: string;
      level: number;
      delta: number;
      cause: "dispense" | "restock" | "adjustment";
      lots?: { lotId: string; expiry: string; quantity: number }[];
    }
  | { fact: "stockout_start" | "stockout_end"; machineId: string; slotId: string; itemId: string }
  /** `restart`: the simulator process was killed and resumed at `t` (the connection died with it). */
  | {
      fact: "offline_start" | "offline_end";
      machineId: string;
      cause: "network" | "power" | "end_of_run" | "restart" | "broker";
    }
  /** The simulator resumed after a crash: every connected machine lost its connection and reconnected. */
  | { fact: "simulator_restart" }
  | { fact: "machine_dark" | "machine_boot"; machineId: string }
  | { fact: "fault_start" | "fault_end"; machineId: string; code: string; slotId?: string }
  | { fact: "temperature_excursion"; machineId: string; peakC: number; until: string }
  | { fact: "service_start" | "service_end"; machineId: string; visitId: string }
  | { fact: "service_skipped"; machineId: string; visitId: string; reason: "machine_dark" | "decommissioned" }
  /** A placement of the scenario took effect (its spec, as written). */
  | { fact: "placement"; placement: PlacementSpec }
  | { fact: "broker_outage_start" | "broker_outage_end" }
  /** The census office filed nothing for this local day (a placed gap). */
  | { fact: "census_missing"; prisonId: string; date: string }
  /** The census of `date` was filed again with these figures (a placed late correction). */
  | { fact: "census_corrected"; prisonId: string; date: string; population: number }
  /** The machine was taken out of service (clean shutdown, registry entry inactive). */
  | { fact: "machine_decommissioned"; machineId: string }
  /** The prison joined the programme: its reference data and machines start now. */
  | { fact: "prison_joined"; prisonId: string }
  | {
      fact: "outreach_planned";
      prisonId: string;
      visitId: string;
      visitAt: string;
      lines: { machineId: string; slotId: string; itemId: string; quantity: number }[];
    }
  | {
      fact: "warehouse_short";
      machineId: string;
      visitId: string;
      itemId: string;
      wanted: number;
      loaded: number;
    }
  /** A card holder came but no event could be sent (reader broken, machine dark, item not stocked here). */
  | {
      fact: "visit_unserved";
      machineId: string;
      itemId: string;
      cardToken: string;
      reason: "card_reader" | "machine_dark" | "no_slot" | "decommissioned";
    }
  | { fact: "card_issued"; prisonId: string; cardToken: string; homeMachineId: string; visitsPerWeek: number }
  | { fact: "card_retired"; prisonId: string; cardToken: string; reason: "released" };

export type LedgerFactName = LedgerFact["fact"];
