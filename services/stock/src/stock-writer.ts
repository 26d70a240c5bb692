import type { Database, StreamPosition } from "@hrvend/runtime/db";
import type { HrEvent } from "@hrvend/schemas";
import type { JsMsg } from "@nats-io/jetstream";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import { type AlertPublisher, alertMessage } from "./alert-publisher";
import { deadSeqOf } from "./dead-seqs";
import type { AlertPolicy } from "./domain";
import { applyBatch, applyDeadSeqs, type BatchResult, type DeadSeq } from "./stock-store";

export interface StockWriterDeps {
  db: Kysely<Database>;
  publisher: AlertPublisher;
  policy: AlertPolicy;
  log: Logger;
  /** How long a seq gap may hold a machine's later events (stream time). */
  gapBoundMs: number;
  metrics: StockMetrics;
}

export interface StockMetrics {
  gaps: Counter<"reason">;
  gapSeqs: Counter<"reason">;
}

export function stockMetrics(registry: Registry): StockMetrics {
  return {
    gaps: new Counter({
      name: "hrvend_stock_seq_gaps_skipped_total",
      help: "Seq gaps the stock service passed over (reason: dead_letter, bound, overflow); see reporting.stock_seq_gap",
      labelNames: ["reason"],
      registers: [registry],
    }),
    gapSeqs: new Counter({
      name: "hrvend_stock_seqs_skipped_total",
      help: "Seqs the stock service passed over without their events",
      labelNames: ["reason"],
      registers: [registry],
    }),
  };
}

/** When the stream stored the message (a parked message re-applied by an operator has no stream time: now). */
function streamTime(m: JsMsg): string {
  const t = (m as Partial<JsMsg>).info === undefined ? undefined : m.time;
  return (t instanceof Date && !Number.isNaN(t.getTime()) ? t : new Date()).toISOString();
}

/**
 * The batch consumer's write: decode (the gateway validated the events), apply and store in one
 * transaction, then announce the alert steps. An announcement lost to a crash between the two is
 * not repeated; the alert rows are the record Grafana and the CLI read.
 */
export function stockWriter(deps: StockWriterDeps) {
  return async (batch: JsMsg[], position: StreamPosition): Promise<void> => {
    const arrivals = batch.map((m) => ({
      event: JSON.parse(Buffer.from(m.data).toString("utf8")) as HrEvent,
      at: streamTime(m),
    }));
    await announce(deps, await applyBatch(deps.db, arrivals, position, deps.policy, deps.gapBoundMs));
  };
}

/** The dead-letter consumer's write: seqs that will never come stop holding their machines at once. */
export function deadSeqWriter(deps: StockWriterDeps) {
  return async (batch: JsMsg[], position: StreamPosition): Promise<void> => {
    const dead: DeadSeq[] = [];
    for (const m of batch) {
      let letter: unknown;
      try {
        letter = JSON.parse(Buffer.from(m.data).toString("utf8"));
      } catch {
        continue; // not ours to judge: the recorder keeps dead letters
      }
      const d = deadSeqOf(letter);
      if (d !== undefined) dead.push(d);
    }
    deps.log.debug({ letters: batch.length, dead }, "dead letters read");
    await announce(deps, await applyDeadSeqs(deps.db, dead, position, deps.policy));
  };
}

/** After the commit: count skipped gaps, publish alert steps and acknowledgements. */
export async function announce(deps: StockWriterDeps, result: BatchResult, now?: string): Promise<void> {
  for (const g of result.skipped) {
    deps.metrics.gaps.inc({ reason: g.reason });
    deps.metrics.gapSeqs.inc({ reason: g.reason }, g.to - g.from + 1);
    deps.log.warn(
      { machineId: g.machineId, from: g.from, to: g.to, reason: g.reason },
      "seq gap skipped: later events applied without it",
    );
  }
  for (const { command, alert } of result.alerts) {
    const step = command.command === "raise" ? "raised" : "cleared";
    await deps.publisher
      .publish(alertMessage(alert, step, command.at))
      .catch((err: Error) => deps.log.warn({ err: err.message, alertId: alert.id }, "alert not announced"));
  }
  for (const alert of result.acks) {
    await deps.publisher
      .publish(alertMessage(alert, "acknowledged", alert.acknowledgedAt ?? now ?? new Date().toISOString()))
      .catch((err: Error) =>
        deps.log.warn({ err: err.message, alertId: alert.id }, "acknowledgement not announced"),
      );
  }
}
