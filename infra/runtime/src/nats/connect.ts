import { connect, type NatsConnection } from "@nats-io/transport-node";

export interface NatsOptions {
  /** One server, or a comma-separated list (the nodes of a cluster; the client fails over). */
  url: string;
  /** The service's own NATS user (one per service), when the server requires one. */
  user?: string | undefined;
  password?: string | undefined;
  /** Connection name, shown by the server's monitoring. */
  name: string;
}

/** The servers in a NATS URL: one, or a cluster's nodes as a comma-separated list. */
export const natsServers = (url: string): string[] =>
  url
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** Connects a service to NATS, reconnecting for ever (the service retries its work meanwhile). */
export function connectNats(o: NatsOptions): Promise<NatsConnection> {
  return connect({
    servers: natsServers(o.url),
    ...(o.user ? { user: o.user, pass: o.password ?? "" } : {}),
    name: o.name,
    maxReconnectAttempts: -1,
    // Every JetStream publish is a request; without this nats.js builds an Error (with a stack
    // trace) per request in case it times out: a fifth of the gateway's CPU at 10k events/s.
    noAsyncTraces: true,
  });
}
