import type { DeliveryItem } from "./delivery-item";
import type { LedgerFact } from "./ledger-fact";

/** Where a simulation writes, synchronously and in order: deliveries (arrival order) and ledger facts (time order). */
export interface SimOutput {
  deliver(item: DeliveryItem): void;
  /** A ledger fact at simulated instant `t` (ms); `eventPayload`, when given, is the raw event JSON. */
  fact(t: number, fact: LedgerFact, eventPayload?: string): void;
}

/** Discards everything (for benchmarks of the generator alone). */
export const NULL_OUTPUT: SimOutput = {
  deliver() {},
  fact() {},
};
