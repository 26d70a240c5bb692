import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, type ServerHandle, startNats } from "@hrvend/local-stack";
import { deviceUser } from "@hrvend/runtime";
import { DEFAULT_STREAMS, ensureStreams } from "@hrvend/runtime/nats";
import { EXAMPLES } from "@hrvend/schemas";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { isolate, mqttAccounts } from "../support/isolate";
import { type ServiceProcess, startService } from "../support/services";

const iso = isolate("gwfaults");
const P = iso.prison("p1");
const M1 = `${iso.tag}-m1`;
const dirs: string[] = [];
const running: (ServerHandle | ServiceProcess)[] = [];
const stop = (x: ServerHandle | ServiceProcess) => ("stop" in x ? x.stop() : x.kill("SIGTERM"));

afterAll(async () => {
  await Promise.all(running.map((x) => stop(x)));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const at = (s: number) => new Date(Date.now() - 3_600_000 + s).toISOString();
const dispense = (seq: number) =>
  JSON.stringify({ ...EXAMPLES.dispense, prisonId: P, machineId: M1, seq, deviceTime: at(seq) });
const registration = JSON.stringify({
  ...EXAMPLES.ref_machine,
  prisonId: P,
  sourceId: "registry",
  seq: 1,
  time: at(0),
  machineId: M1,
});

async function streamCount(
  natsUrl: string,
  stream: string,
  auth: { user?: string; pass?: string } = {},
): Promise<number> {
  const nc = await natsConnect({ servers: natsUrl, ...auth });
  try {
    return (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;
  } catch {
    return -1;
  } finally {
    await nc.close();
  }
}

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return [...text.matchAll(new RegExp(`^${name}(\\{[^}]*\\})? ([\\d.e+]+)$`, "gm"))].reduce(
    (n, m) => n + Number(m[2]),
    0,
  );
}

describe("gateway under faults", () => {
  it("stops acknowledging while NATS is down, keeps memory bounded, and drains the backlog when it returns", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hrvend-gwf-"));
    dirs.push(dir);
    const natsPort = await freePort();
    const natsOpts = { dir, port: natsPort, monitorPort: await freePort() };
    let nats = await startNats(natsOpts);
    running.push(nats);
    const natsUrl = nats.url;
    // A private nats-server (this test stops it), so the default stream names are ours.
    const streams = DEFAULT_STREAMS;
    const nc = await natsConnect({ servers: natsUrl });
    await ensureStreams(await jetstreamManager(nc), streams);
    await nc.close();
    await mqttAccounts(iso, [
      { username: `${iso.tag}-gw`, password: "gw", subscribe: [`hr/v1/${P}/#`] },
      { username: `${iso.tag}-reg`, password: "r", publish: [`hr/v1/${P}/registry/registry/+`] },
      deviceUser(P, M1, "m1"),
    ]);
    const metricsPort = await freePort();
    const gw = await startService(
      "gateway",
      {
        GATEWAY_ID: `${iso.tag}-a`,
        MQTT_URL: iso.servers.mqttUrl,
        MQTT_USERNAME: `${iso.tag}-gw`,
        MQTT_PASSWORD: "gw",
        MQTT_SHARE_GROUP: `ingest-${iso.tag}`,
        MQTT_FILTERS: `hr/v1/${P}/#`,
        MQTT_CONNECTIONS: "2",
        MQTT_WINDOW: "16",
        NATS_URL: natsUrl,
        METRICS_PORT: String(metricsPort),
      },
      "gateway-faults",
    );
    running.push(gw);
    const reg = await mqtt.connectAsync(iso.servers.mqttUrl, {
      username: `${iso.tag}-reg`,
      password: "r",
      clientId: `${iso.tag}-reg`,
    });
    await reg.publishAsync(`hr/v1/${P}/registry/registry/ref_machine`, registration, { qos: 1 });
    await reg.endAsync();
    const device = await mqtt.connectAsync(iso.servers.mqttUrl, {
      username: M1,
      password: "m1",
      clientId: M1,
      clean: false,
    });
    for (let s = 1; s <= 200; s++)
      await device.publishAsync(`hr/v1/${P}/machine/${M1}/dispense`, dispense(s), { qos: 1 });
    await expect.poll(() => streamCount(natsUrl, streams.events), { timeout: 15_000 }).toBe(201);

    await nats.stop();
    // The broker keeps taking the devices' events while the gateway cannot store them.
    for (let s = 201; s <= 3_000; s++)
      device.publish(`hr/v1/${P}/machine/${M1}/dispense`, dispense(s), { qos: 1 });
    // JetStream publishes time out after 5 s while NATS is away; then the gateway retries.
    await expect
      .poll(() => metric(metricsPort, "hrvend_gateway_publish_retries_total"), { timeout: 20_000 })
      .toBeGreaterThan(0);
    const inFlight = await metric(metricsPort, "hrvend_gateway_in_flight");
    // At most the window of each MQTT connection (2 × 16), not the backlog of 2,800.
    expect(inFlight).toBeGreaterThan(0);
    expect(inFlight).toBeLessThanOrEqual(32);
    const rssMb = (await metric(metricsPort, "process_resident_memory_bytes")) / 2 ** 20;
    expect(rssMb).toBeLessThan(400);

    nats = await startNats(natsOpts);
    running.push(nats);
    await expect
      .poll(() => streamCount(natsUrl, streams.events), { timeout: 60_000, interval: 250 })
      .toBe(3_001);
    await device.endAsync();
  });

  it("works as a single instance against nats-server's own MQTT listener (no $share), devices kept in their own account", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hrvend-natsmqtt-"));
    dirs.push(dir);
    const mqttPort = await freePort();
    // Devices publish into account DEVICES (their MQTT topics become NATS subjects there); the
    // pipeline's streams live in account HRVEND, so raw device traffic never lands in them.
    const nats = await startNats({
      dir,
      port: await freePort(),
      monitorPort: await freePort(),
      extraConfig: `
accounts {
  DEVICES { jetstream: enabled, users: [ { user: gw, password: gw }, { user: ${M1}, password: m1 } ] }
  HRVEND { jetstream: enabled, users: [ { user: svc, password: svc } ] }
}
mqtt { host: 127.0.0.1, port: ${mqttPort} }`,
    });
    running.push(nats);
    const natsUrl = nats.url;
    const svc = { user: "svc", pass: "svc" };
    const gw = await startService(
      "gateway",
      {
        GATEWAY_ID: `${iso.tag}-natsmqtt`,
        MQTT_URL: `mqtt://127.0.0.1:${mqttPort}`,
        MQTT_USERNAME: "gw",
        MQTT_PASSWORD: "gw",
        MQTT_SHARE_GROUP: "",
        MQTT_CONNECTIONS: "1",
        NATS_URL: natsUrl,
        NATS_USER: "svc",
        NATS_PASSWORD: "svc",
        METRICS_PORT: "0",
      },
      "gateway-natsmqtt",
    );
    running.push(gw);
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, {
      username: M1,
      password: "m1",
      clientId: M1,
      clean: false,
      protocolVersion: 4,
    });
    await device.publishAsync(`hr/v1/${P}/registry/registry/ref_machine`, registration, { qos: 1 });
    for (let s = 1; s <= 50; s++)
      await device.publishAsync(`hr/v1/${P}/machine/${M1}/dispense`, dispense(s), { qos: 1 });
    await device.publishAsync(`hr/v1/${P}/machine/${M1}/dispense`, "{broken", { qos: 1 });
    await device.endAsync();
    await expect.poll(() => streamCount(natsUrl, DEFAULT_STREAMS.events, svc), { timeout: 20_000 }).toBe(51);
    await expect.poll(() => streamCount(natsUrl, DEFAULT_STREAMS.dead, svc), { timeout: 20_000 }).toBe(1);
  });

  it("drains on SIGTERM: a gateway stopped mid-traffic and started again loses nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hrvend-drain-"));
    dirs.push(dir);
    const nats = await startNats({ dir, port: await freePort(), monitorPort: await freePort() });
    running.push(nats);
    const P2 = iso.prison("p2");
    const M2 = `${iso.tag}-m2`;
    await mqttAccounts(iso, [
      { username: `${iso.tag}-gw`, password: "gw", subscribe: [`hr/v1/${P}/#`, `hr/v1/${P2}/#`] },
      {
        username: `${iso.tag}-reg`,
        password: "r",
        publish: [`hr/v1/${P}/registry/registry/+`, `hr/v1/${P2}/registry/registry/+`],
      },
      deviceUser(P, M1, "m1"),
      deviceUser(P2, M2, "m2"),
    ]);
    const env = {
      GATEWAY_ID: `${iso.tag}-drain`,
      MQTT_URL: iso.servers.mqttUrl,
      MQTT_USERNAME: `${iso.tag}-gw`,
      MQTT_PASSWORD: "gw",
      MQTT_SHARE_GROUP: `drain-${iso.tag}`,
      MQTT_FILTERS: `hr/v1/${P2}/#`,
      MQTT_CONNECTIONS: "4",
      NATS_URL: nats.url,
      METRICS_PORT: "0",
    };
    let gw = await startService("gateway", env, "gateway-drain");
    const reg = await mqtt.connectAsync(iso.servers.mqttUrl, {
      username: `${iso.tag}-reg`,
      password: "r",
      clientId: `${iso.tag}-reg2`,
    });
    const registration2 = JSON.stringify({
      ...EXAMPLES.ref_machine,
      prisonId: P2,
      sourceId: "registry",
      seq: 1,
      time: at(0),
      machineId: M2,
    });
    await reg.publishAsync(`hr/v1/${P2}/registry/registry/ref_machine`, registration2, { qos: 1 });
    await reg.endAsync();
    const device = await mqtt.connectAsync(iso.servers.mqttUrl, {
      username: M2,
      password: "m2",
      clientId: M2,
      clean: false,
    });
    const body = (seq: number) =>
      JSON.stringify({ ...EXAMPLES.dispense, prisonId: P2, machineId: M2, seq, deviceTime: at(seq) });
    const sending = (async () => {
      for (let s = 1; s <= 3_000; s++)
        await device.publishAsync(`hr/v1/${P2}/machine/${M2}/dispense`, body(s), { qos: 1 });
    })();
    await expect
      .poll(() => streamCount(nats.url, DEFAULT_STREAMS.events), { timeout: 20_000 })
      .toBeGreaterThan(500);
    await gw.kill("SIGTERM");
    expect(gw.logs()).toContain('"msg":"stopped"');
    gw = await startService("gateway", env, "gateway-drain");
    running.push(gw);
    await sending;
    await expect.poll(() => streamCount(nats.url, DEFAULT_STREAMS.events), { timeout: 30_000 }).toBe(3_001);
    await device.endAsync();
  });
});
