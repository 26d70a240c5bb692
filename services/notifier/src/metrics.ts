import { Counter, Gauge, type Registry } from "prom-client";

/** What operators watch: deliveries by outcome, the outbox by status, alerts no rule routes. */
export function notifierMetrics(registry: Registry) {
  return {
    deliveries: new Counter({
      name: "hrvend_notifier_deliveries_total",
      help: "Delivery tries by channel and outcome (sent, retry: failed and tried again later, failed: given up)",
      labelNames: ["channel", "outcome"],
      registers: [registry],
    }),
    outbox: new Gauge({
      name: "hrvend_notifier_outbox_messages",
      help: "Messages in notifier.outbox by channel and status (pending, held, digested, sent, failed)",
      labelNames: ["channel", "status"],
      registers: [registry],
    }),
    unrouted: new Counter({
      name: "hrvend_notifier_unrouted_alerts_total",
      help: "Alerts no routing rule matched (nobody was told)",
      registers: [registry],
    }),
    rejected: new Counter({
      name: "hrvend_notifier_rejected_messages_total",
      help: "Alert messages the notifier could not read (notifier.rejected_alert)",
      registers: [registry],
    }),
  };
}
export type NotifierMetrics = ReturnType<typeof notifierMetrics>;
