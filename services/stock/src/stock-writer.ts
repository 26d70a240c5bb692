import type { Database, StreamPosition } from "@hrvend/infra/db";
import type { HrEvent } from "@hrvend/schemas";
import type { JsMsg } from "@nats-io/jetstream";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { type AlertPublisher, alertMessage } from "./alert-publisher";
import type { AlertPolicy } from "./domain";
import { applyBatch } from "./stock-store";

/**
 * The batch consumer's write: decode (the gateway validated the events), apply and store in one
 * transaction, then announce the alert steps. An announcement lost to a crash between the two is
 * not repeated; the alert rows are the record Grafana and the CLI read.
 */
export function stockWriter(deps: {
  db: Kysely<Database>;
  publisher: AlertPublisher;
  policy: AlertPolicy;
  log: Logger;
}) {
  return async (batch: JsMsg[], position: StreamPosition): Promise<void> => {
    const events = batch.map((m) => JSON.parse(Buffer.from(m.data).toString("utf8")) as HrEvent);
    const result = await applyBatch(deps.db, events, position, deps.policy);
    for (const { command, alert } of result.alerts) {
      const step = command.command === "raise" ? "raised" : "cleared";
      await deps.publisher
        .publish(alertMessage(alert, step, command.at))
        .catch((err: Error) => deps.log.warn({ err: err.message, alertId: alert.id }, "alert not announced"));
    }
  };
}
