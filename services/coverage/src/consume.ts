import type { Database, StreamPosition } from "@hrvend/runtime/db";
import { decodeEvents, type StreamMessage } from "@hrvend/runtime/nats";
import type { Kysely } from "kysely";
import { Counter, type Registry } from "prom-client";
import { IGNORED_KINDS } from "./domain";
import { applyBatch } from "./store";

/**
 * The one consume step, the batch consumer's `write`: decode (the gateway validated the events;
 * the kinds coverage does not use are left out undecoded, the position still moves past them),
 * sort them into what coverage stores (domain/plan.ts) and store them with the stream position
 * in one transaction (store/apply-batch.ts).
 */
export function coverageConsume(deps: { db: Kysely<Database>; registry: Registry }) {
  const applied = new Counter({
    name: "hrvend_coverage_applied_total",
    help: "Events newly applied to coverage figures, by kind",
    labelNames: ["kind"],
    registers: [deps.registry],
  });
  return async (batch: readonly StreamMessage[], position: StreamPosition): Promise<void> => {
    const r = await applyBatch(deps.db, decodeEvents(batch, { ignore: IGNORED_KINDS }), position);
    applied.inc({ kind: "dispense" }, r.dispenses);
    applied.inc({ kind: "census" }, r.census);
    applied.inc({ kind: "oat" }, r.oat);
  };
}
