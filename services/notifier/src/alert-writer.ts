import type { Database, StreamPosition } from "@hrvend/runtime/db";
import { AlertMessage, formatProblems, problemsFromZod } from "@hrvend/schemas";
import type { JsMsg } from "@nats-io/jetstream";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { NotifierMetrics } from "./metrics";
import { applyAlertMessage, rejectAlertMessage } from "./store/alerts";
import { saveNotifierPosition } from "./store/position";

/**
 * Writes a batch of HR_ALERTS messages and the stream position in one transaction. Only the
 * alerts' state is recorded here: what to tell whom is decided by the timer (planner.ts), so a
 * replay of the stream never sends anything by itself. A message that is not a valid alert step
 * is kept in notifier.rejected_alert with its reason and the batch goes on.
 */
export function alertWriter(deps: {
  db: Kysely<Database>;
  log: Logger;
  metrics: NotifierMetrics;
  stream: string;
}) {
  return async (batch: JsMsg[], position: StreamPosition): Promise<void> => {
    let rejected = 0;
    await deps.db.transaction().execute(async (trx) => {
      for (const m of batch) {
        let json: unknown;
        let reason: string | undefined;
        try {
          json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(m.data));
        } catch {
          reason = "not UTF-8 JSON";
        }
        if (reason === undefined) {
          const r = AlertMessage.safeParse(json, { reportInput: true });
          if (r.success) {
            await applyAlertMessage(trx, r.data);
            continue;
          }
          reason = `not an alert message: ${formatProblems(problemsFromZod(r.error))}`;
        }
        rejected++;
        await rejectAlertMessage(trx, { stream: deps.stream, seq: m.seq, subject: m.subject, reason });
        deps.log.warn(
          { seq: m.seq, subject: m.subject, reason },
          "alert message rejected; kept in notifier.rejected_alert",
        );
      }
      await saveNotifierPosition(trx, position);
    });
    if (rejected > 0) deps.metrics.rejected.inc(rejected);
  };
}
