import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, isPortOpen } from "@hrvend/local-stack";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import { hrvend } from "../support/cli";

const dir = mkdtempSync(join(tmpdir(), "hrvend-cluster-stack-"));
chmodSync(dir, 0o755);
let env: Record<string, string> = {};
afterAll(async () => {
  if (env["HRVEND_STATE_DIR"]) await hrvend(["infra", "down"], env);
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A NATS base port whose two successors, route ports (+2000) and monitor ports are free too, none
 * of them among `others` (the stack's other ports, chosen first).
 */
async function clusterBase(others: number[]): Promise<{ nats: number; monitor: number }> {
  for (;;) {
    const nats = await freePort();
    const monitor = await freePort();
    const wanted = [0, 1, 2].flatMap((i) => [nats + i, nats + 2000 + i, monitor + i]);
    if (
      wanted.every((p) => p < 65536 && !others.includes(p)) &&
      !(await Promise.all(wanted.map((p) => isPortOpen(p)))).some(Boolean)
    )
      return { nats, monitor };
  }
}

describe("hrvend infra up --cluster", () => {
  it("starts three NATS nodes in one cluster and two gateways that create R3 streams; infra down stops them all", {
    timeout: 180_000,
  }, async () => {
    const pg = await freePort();
    const mqttPort = await freePort();
    const { nats, monitor } = await clusterBase([pg, mqttPort]);
    env = {
      HRVEND_STATE_DIR: join(dir, "state"),
      HRVEND_PG_PORT: String(pg),
      HRVEND_MQTT_PORT: String(mqttPort),
      HRVEND_NATS_PORT: String(nats),
      HRVEND_NATS_MONITOR_PORT: String(monitor),
    };
    const up = await hrvend(["infra", "up", "--cluster"], env);
    expect(up.code, up.stderr).toBe(0);
    for (const n of [1, 2, 3])
      expect(up.stdout).toMatch(new RegExp(`nats-${n}: started .* at nats://127.0.0.1:${nats + n - 1}`));
    expect(up.stdout).toMatch(/gateway-1: started/);
    expect(up.stdout).toMatch(/gateway-2: started/);

    const status = await hrvend(["infra", "status", "--json"], env);
    expect(status.code, status.stderr).toBe(0);
    expect(
      JSON.parse(status.stdout).map((p: { part: string; running: boolean }) => [p.part, p.running]),
    ).toEqual([
      ["postgres", true],
      ["nats-1", true],
      ["nats-2", true],
      ["nats-3", true],
      ["mosquitto", true],
    ]);

    // The gateways created the streams, replicated on all three nodes.
    const nc = await connect({ servers: [0, 1, 2].map((i) => `nats://127.0.0.1:${nats + i}`) });
    try {
      const jsm = await jetstreamManager(nc, { checkAPI: false });
      await expect
        .poll(
          async () => (await jsm.streams.info("HR_EVENTS").catch(() => undefined))?.cluster?.replicas?.length,
          {
            timeout: 60_000,
          },
        )
        .toBe(2);
      const info = await jsm.streams.info("HR_EVENTS");
      expect(info.config.num_replicas).toBe(3);
      expect(info.config.subjects).toEqual(["hr.v1.*.*.*.*"]);
    } finally {
      await nc.close();
    }
    const services = await hrvend(["services", "status"], env);
    expect(services.stdout).toMatch(/gateway-1 +running/);
    expect(services.stdout).toMatch(/gateway-2 +running/);

    // A single-node stack may not start in the cluster's state dir.
    const single = await hrvend(["infra", "up"], env);
    expect(single.code).not.toBe(0);
    expect(single.stderr).toMatch(/holds a cluster stack; use another state dir/);

    const down = await hrvend(["infra", "down"], env);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/gateway: stopped/);
    for (const p of [nats, nats + 1, nats + 2]) expect(await isPortOpen(p)).toBe(false);
    env = {};
  });
});
