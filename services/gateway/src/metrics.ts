import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface GatewayMetrics {
  registry: Registry;
  accepted: Counter<"kind">;
  rejected: Counter<"reason">;
  inFlight: Gauge;
  latency: Histogram;
  publishRetries: Counter;
}

export function gatewayMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    accepted: new Counter({
      name: "hrvend_gateway_accepted_total",
      help: "Events accepted into JetStream, by kind",
      labelNames: ["kind"],
      registers: [registry],
    }),
    rejected: new Counter({
      name: "hrvend_gateway_rejected_total",
      help: "Messages dead-lettered, by reason",
      labelNames: ["reason"],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: "hrvend_gateway_in_flight",
      help: "Messages received and not yet acknowledged to the broker",
      registers: [registry],
    }),
    latency: new Histogram({
      name: "hrvend_gateway_latency_seconds",
      help: "From MQTT receipt to JetStream acknowledgement",
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers: [registry],
    }),
    publishRetries: new Counter({
      name: "hrvend_gateway_publish_retries_total",
      help: "JetStream publishes retried (NATS unavailable); the broker keeps the message meanwhile",
      registers: [registry],
    }),
  };
}
