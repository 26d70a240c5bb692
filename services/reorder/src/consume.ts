import type { StreamPosition } from "@hrvend/runtime/db";
import {
  decodeEvent,
  isKindIn,
  peekStringMember,
  type StreamMessage,
  subjectPrison,
} from "@hrvend/runtime/nats";
import type { HrEvent } from "@hrvend/schemas";
import { Counter, type Registry } from "prom-client";
import { batchChanges, type ClockTick } from "./domain";
import { applyBatch } from "./store/apply-batch";
import type { AnyDb } from "./store/db";

export interface ConsumeDeps {
  db: AnyDb;
  registry: Registry;
  /** Prisons the batch touched: their plans are due for a recompute. */
  touched(prisonIds: string[]): void;
}

const HEARTBEAT: ReadonlySet<string> = new Set(["heartbeat"]);

/**
 * Decodes a batch (the gateway validated every event at the edge). Of a heartbeat, reorder uses
 * only its prison (the subject's) and device time (the prisons' latest event time): both are
 * read without parsing the message, which is parsed whole whenever its time cannot be read with
 * certainty (domain-free: `peekStringMember`), so a heartbeat that is not JSON is still refused.
 */
export function readBatch(batch: readonly StreamMessage[]): { events: HrEvent[]; clock: ClockTick[] } {
  const events: HrEvent[] = [];
  const clock: ClockTick[] = [];
  for (const m of batch) {
    if (isKindIn(m, HEARTBEAT)) {
      const prisonId = subjectPrison(m.subject as string);
      const time = peekStringMember(m.data, "deviceTime");
      if (prisonId !== undefined && time !== undefined) {
        clock.push({ prisonId, time });
        continue;
      }
    }
    events.push(decodeEvent(m));
  }
  return { events, clock };
}

/**
 * The consume step (the batch consumer's `write`): decode, sort the batch into what the service
 * stores (pure), and apply it with the stream position in one transaction (invariant 3); then the
 * touched prisons are due for a recompute.
 */
export function reorderConsume(d: ConsumeDeps) {
  const events = new Counter({
    name: "hrvend_reorder_events_total",
    help: "Events consumed; stock events by outcome (fresh, duplicate), others as other",
    labelNames: ["outcome"],
    registers: [d.registry],
  });
  return async (batch: readonly StreamMessage[], position: StreamPosition): Promise<void> => {
    const read = readBatch(batch);
    const changes = batchChanges(read.events, read.clock);
    const r = await applyBatch(d.db, changes, position);
    events.inc({ outcome: "fresh" }, r.fresh);
    events.inc({ outcome: "duplicate" }, r.duplicates);
    events.inc({ outcome: "other" }, batch.length - changes.stock.length);
    d.touched(r.prisons);
  };
}
