import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import { type AlertPublisher, alertMessage } from "./alert-publisher";
import type { Alert, AlertCommand, MachineGap } from "./domain";

/** What a batch, a dead-letter batch or a timer pass committed, to announce. */
export interface BatchResult {
  /** Alert records after the batch, for each command, to publish once committed. */
  alerts: { command: AlertCommand; alert: Alert }[];
  /** Acknowledgements applied (alert rows after them), to announce once committed. */
  acks: Alert[];
  levelChanges: number;
  duplicates: number;
  /** Seq gaps passed over (dead-lettered seqs, or gaps that outlived the bound). */
  skipped: MachineGap[];
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

export interface AnnounceDeps {
  publisher: AlertPublisher;
  log: Logger;
  metrics: StockMetrics;
}

/**
 * After the commit: count skipped gaps, publish alert steps and acknowledgements. An
 * announcement lost to a crash between the commit and this is not repeated; the alert rows are
 * the record Grafana and the CLI read. `now`: the time of an acknowledgement without its own.
 */
export async function announce(deps: AnnounceDeps, result: BatchResult, now?: string): Promise<void> {
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
