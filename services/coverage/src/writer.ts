import type { Database, StreamPosition } from "@hrvend/runtime/db";
import type { HrEvent } from "@hrvend/schemas";
import type { JsMsg } from "@nats-io/jetstream";
import type { Kysely } from "kysely";
import type { Counter } from "prom-client";
import { applyBatch } from "./store";

/** The batch consumer's write: decode (the gateway validated the events), apply and store with the position. */
export function coverageWriter(deps: { db: Kysely<Database>; applied: Counter<"kind"> }) {
  return async (batch: JsMsg[], position: StreamPosition): Promise<void> => {
    const events = batch.map((m) => JSON.parse(Buffer.from(m.data).toString("utf8")) as HrEvent);
    const r = await applyBatch(deps.db, events, position);
    deps.applied.inc({ kind: "dispense" }, r.dispenses);
    deps.applied.inc({ kind: "census" }, r.census);
    deps.applied.inc({ kind: "oat" }, r.oat);
  };
}
