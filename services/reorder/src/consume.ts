import type { StreamPosition } from "@hrvend/runtime/db";
import { decodeEvents } from "@hrvend/runtime/nats";
import { Counter, type Registry } from "prom-client";
import { batchChanges } from "./domain";
import { applyBatch } from "./store/apply-batch";
import type { AnyDb } from "./store/db";

export interface ConsumeDeps {
  db: AnyDb;
  registry: Registry;
  /** Prisons the batch touched: their plans are due for a recompute. */
  touched(prisonIds: string[]): void;
}

/**
 * The consume step (the batch consumer's `write`): decode (the gateway validated every event at
 * the edge), sort the batch into what the service stores (pure), and apply it with the stream
 * position in one transaction (invariant 3); then the touched prisons are due for a recompute.
 */
export function reorderConsume(d: ConsumeDeps) {
  const events = new Counter({
    name: "hrvend_reorder_events_total",
    help: "Events consumed; stock events by outcome (fresh, duplicate), others as other",
    labelNames: ["outcome"],
    registers: [d.registry],
  });
  return async (batch: readonly { data: Uint8Array }[], position: StreamPosition): Promise<void> => {
    const changes = batchChanges(decodeEvents(batch));
    const r = await applyBatch(d.db, changes, position);
    events.inc({ outcome: "fresh" }, r.fresh);
    events.inc({ outcome: "duplicate" }, r.duplicates);
    events.inc({ outcome: "other" }, batch.length - changes.stock.length);
    d.touched(r.prisons);
  };
}
