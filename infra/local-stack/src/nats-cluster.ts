import { join } from "node:path";
import { startNats } from "./nats";
import type { ServerHandle } from "./server";

/** Loopback ports of one cluster node: clients, routes between nodes, monitoring. */
export interface ClusterNodePorts {
  client: number;
  route: number;
  monitor: number;
}

export interface NatsClusterOptions {
  /** Each node keeps its config, log and JetStream store under `dir/nats-<n>`. */
  dir: string;
  nodes: ClusterNodePorts[];
  detached?: boolean;
}

export const CLUSTER_NAME = "hrvend";

/**
 * The `cluster` block of node `index` (0-based): it listens for routes on its own port and names
 * every other node's, so any two nodes that are up find each other and a restarted node rejoins.
 * JetStream then replicates R3 streams over the three (docs/architecture.md §Scale-out).
 */
export function clusterBlock(nodes: ClusterNodePorts[], index: number): string {
  const self = nodes[index] as ClusterNodePorts;
  const routes = nodes.filter((_, i) => i !== index).map((n) => `    nats-route://127.0.0.1:${n.route}`);
  return [
    "cluster {",
    `  name: ${CLUSTER_NAME}`,
    `  listen: 127.0.0.1:${self.route}`,
    "  routes: [",
    ...routes,
    "  ]",
    "}",
  ].join("\n");
}

/** Starts node `index` of the cluster (also to restart one that was stopped or killed). */
export function startClusterNode(o: NatsClusterOptions, index: number): Promise<ServerHandle> {
  const n = o.nodes[index] as ClusterNodePorts;
  return startNats({
    dir: join(o.dir, `nats-${index + 1}`),
    port: n.client,
    monitorPort: n.monitor,
    serverName: `hrvend-n${index + 1}`,
    extraConfig: clusterBlock(o.nodes, index),
    detached: o.detached ?? false,
  });
}

/** Starts every node; clients get all of them as one comma-separated URL list. */
export async function startNatsCluster(o: NatsClusterOptions): Promise<ServerHandle[]> {
  return Promise.all(o.nodes.map((_, i) => startClusterNode(o, i)));
}

export const clusterUrl = (nodes: ClusterNodePorts[]): string =>
  nodes.map((n) => `nats://127.0.0.1:${n.client}`).join(",");
