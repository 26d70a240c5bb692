import { describe, expect, it } from "vitest";
import { clusterBlock, clusterUrl } from "./nats-cluster";
import { clusterPorts, DEFAULT_PORTS } from "./stack";

describe("the local NATS cluster's configuration", () => {
  const nodes = clusterPorts(DEFAULT_PORTS);

  it("given the default ports, then three nodes on consecutive client, route and monitor ports", () => {
    expect(nodes).toEqual([
      { client: 14222, route: 16222, monitor: 18222 },
      { client: 14223, route: 16223, monitor: 18223 },
      { client: 14224, route: 16224, monitor: 18224 },
    ]);
    expect(clusterUrl(nodes)).toBe("nats://127.0.0.1:14222,nats://127.0.0.1:14223,nats://127.0.0.1:14224");
  });

  it("given node 2, then it listens on its own route port and routes to the other two only", () => {
    const block = clusterBlock(nodes, 1);
    expect(block).toContain("listen: 127.0.0.1:16223");
    expect(block).toContain("nats-route://127.0.0.1:16222");
    expect(block).toContain("nats-route://127.0.0.1:16224");
    expect(block).not.toContain("nats-route://127.0.0.1:16223");
  });
});
