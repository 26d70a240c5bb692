import type { StreamPosition } from "@hrvend/runtime/db";
import { decodeJson } from "@hrvend/runtime/nats";
import { AlertMessage, formatProblems, problemsFromZod } from "@hrvend/schemas";
import type { JsMsg } from "@nats-io/jetstream";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { NotifierMetrics } from "./metrics";
import { applyAlertMessage, rejectAlertMessage } from "./store/alerts";
import type { NotifierDatabase } from "./store/db";
import { saveNotifierPosition } from "./store/position";

/** One HR_ALERTS message read: an alert step, or why it is not one. */
export function readAlertMessage(m: {
  data: Uint8Array;
}): { ok: true; message: AlertMessage } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = decodeJson(m, { strictUtf8: true });
  } catch {
    return { ok: false, reason: "not UTF-8 JSON" };
  }
  const r = AlertMessage.safeParse(json, { reportInput: true });
  if (r.success) return { ok: true, message: r.data };
  return { ok: false, reason: `not an alert message: ${formatProblems(problemsFromZod(r.error))}` };
}

/**
 * The consume step: writes a batch of HR_ALERTS messages and the stream position in one
 * transaction. Only the alerts' state is recorded here: what to tell whom is decided by the timer
 * (rounds.ts), so a replay of the stream never sends anything by itself. A message that is not a
 * valid alert step is kept in notifier.rejected_alert with its reason and the batch goes on.
 */
export function alertWriter(deps: {
  db: Kysely<NotifierDatabase>;
  log: Logger;
  metrics: NotifierMetrics;
  stream: string;
}) {
  return async (batch: JsMsg[], position: StreamPosition): Promise<void> => {
    let rejected = 0;
    await deps.db.transaction().execute(async (trx) => {
      for (const m of batch) {
        const read = readAlertMessage(m);
        if (read.ok) {
          await applyAlertMessage(trx, read.message);
          continue;
        }
        const { reason } = read;
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
