import type { AlertMessage } from "@hrvend/schemas";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { Alert } from "./domain";

/** The message for one step of an alert's lifecycle. */
export function alertMessage(alert: Alert, step: AlertMessage["step"], at: string): AlertMessage {
  return {
    v: 1,
    alertId: alert.id,
    step,
    type: alert.type,
    prisonId: alert.prisonId ?? "unknown",
    machineId: alert.machineId,
    slotId: alert.slotId,
    at,
    raisedAt: alert.raisedAt,
    detail: alert.detail.slice(0, 500),
  };
}

/**
 * Publishes alert steps to JetStream on hr.v1.<prison>.<machine>.alert, deduplicated by alert
 * and step (a replay of the stream publishes nothing new within the dedup window).
 */
export class AlertPublisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly stream: string,
  ) {}

  async publish(m: AlertMessage): Promise<void> {
    const stepId = m.step === "reminder" ? `${m.step}@${m.at}` : m.step;
    await this.js.publish(`hr.v1.${m.prisonId}.${m.machineId}.alert`, JSON.stringify(m), {
      msgID: `${m.alertId}#${stepId}`,
      expect: { streamName: this.stream },
    });
  }
}
