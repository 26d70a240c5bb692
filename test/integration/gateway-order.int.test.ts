import { freePort } from "@hrvend/local-stack";
import { deviceUser } from "@hrvend/runtime";
import { ensureStreams } from "@hrvend/runtime/nats";
import { EXAMPLES } from "@hrvend/schemas";
import { DiscardPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import mqtt from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { isolate, mqttAccounts } from "../support/isolate";
import { type ServiceProcess, startService } from "../support/services";

const iso = isolate("gworder");
const services: ServiceProcess[] = [];

afterAll(async () => {
  await Promise.all(services.map((s) => s.kill("SIGTERM")));
});

const at = (s: number) => new Date(Date.now() - 3_600_000 + s).toISOString();
const registration = (prisonId: string, machineId: string, seq: number) =>
  JSON.stringify({ ...EXAMPLES.ref_machine, prisonId, sourceId: "registry", seq, time: at(0), machineId });
const dispense = (prisonId: string, machineId: string, seq: number) =>
  JSON.stringify({ ...EXAMPLES.dispense, prisonId, machineId, seq, deviceTime: at(seq) });

function streamsFor(prisonId: string, name: string) {
  return {
    events: iso.stream(`${name}-events`),
    eventSubjects: [`hr.v1.${prisonId}.>`],
    dead: iso.stream(`${name}-dead`),
    deadPrefix: `hr.dead.${iso.tag}-${name}`,
  };
}

/** The gateway at its default MQTT settings (no MQTT_CONNECTIONS, no MQTT_WINDOW). */
function gatewayEnv(prisonId: string, streams: ReturnType<typeof streamsFor>, id: string, metricsPort = 0) {
  return {
    GATEWAY_ID: `${iso.tag}-${id}`,
    MQTT_URL: iso.servers.mqttUrl,
    MQTT_USERNAME: `${iso.tag}-gw`,
    MQTT_PASSWORD: "gw",
    MQTT_SHARE_GROUP: `order-${iso.tag}`,
    MQTT_FILTERS: `hr/v1/${prisonId}/#`,
    NATS_URL: iso.servers.natsUrl,
    EVENTS_STREAM: streams.events,
    EVENTS_SUBJECTS: streams.eventSubjects.join(","),
    DEAD_STREAM: streams.dead,
    DEAD_SUBJECT_PREFIX: streams.deadPrefix,
    METRICS_PORT: String(metricsPort),
  };
}

async function register(prisonId: string, machines: string[]): Promise<void> {
  const reg = await mqtt.connectAsync(iso.servers.mqttUrl, {
    username: `${iso.tag}-reg`,
    password: "r",
    clientId: `${iso.tag}-reg-${prisonId}`,
  });
  for (const [i, m] of machines.entries())
    await reg.publishAsync(
      `hr/v1/${prisonId}/registry/registry/ref_machine`,
      registration(prisonId, m, i + 1),
      {
        qos: 1,
      },
    );
  await reg.endAsync();
}

async function streamMessages(stream: string): Promise<number> {
  const nc = await natsConnect({ servers: iso.servers.natsUrl });
  try {
    return (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;
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

describe("gateway publish order and refusals", () => {
  it("keeps every machine's events in seq order in the stream at the default settings", async () => {
    const P = iso.prison("order");
    const machines = Array.from({ length: 16 }, (_, i) => `${iso.tag}-o${i + 1}`);
    const perMachine = 250;
    const streams = streamsFor(P, "order");
    const nc = await natsConnect({ servers: iso.servers.natsUrl });
    await ensureStreams(await jetstreamManager(nc), streams);
    await mqttAccounts(iso, [
      { username: `${iso.tag}-gw`, password: "gw", subscribe: [`hr/v1/${P}/#`] },
      { username: `${iso.tag}-reg`, password: "r", publish: [`hr/v1/${P}/registry/registry/+`] },
      ...machines.map((m) => deviceUser(P, m, m)),
    ]);
    services.push(await startService("gateway", gatewayEnv(P, streams, "order"), "gateway-order"));
    await register(P, machines);
    // Every machine publishes as fast as the broker takes it, up to 100 unacknowledged: the
    // machines' events interleave at the broker and in the gateway.
    const clients = await Promise.all(
      machines.map((m) =>
        mqtt.connectAsync(iso.servers.mqttUrl, { username: m, password: m, clientId: m, clean: true }),
      ),
    );
    await Promise.all(
      clients.map(async (c, i) => {
        const m = machines[i] as string;
        const inFlight = new Set<Promise<unknown>>();
        for (let seq = 1; seq <= perMachine; seq++) {
          const p = c.publishAsync(`hr/v1/${P}/machine/${m}/dispense`, dispense(P, m, seq), { qos: 1 });
          inFlight.add(p);
          void p.finally(() => inFlight.delete(p));
          if (inFlight.size >= 100) await Promise.race(inFlight);
        }
        await Promise.all(inFlight);
        await c.endAsync();
      }),
    );
    const total = machines.length * perMachine;
    await expect
      .poll(() => streamMessages(streams.events), { timeout: 60_000, interval: 200 })
      .toBe(total + machines.length);

    // Read the stream in its order; each machine's seqs must be 1, 2, … perMachine.
    const seqs = new Map<string, number[]>(machines.map((m) => [m, []]));
    const consumer = await jetstream(nc).consumers.get(streams.events);
    const messages = await consumer.consume();
    let read = 0;
    for await (const m of messages) {
      const e = m.json<{ kind: string; machineId: string; seq: number }>();
      if (e.kind === "dispense") seqs.get(e.machineId)?.push(e.seq);
      if (++read === total + machines.length) break;
    }
    await nc.close();
    const expected = Array.from({ length: perMachine }, (_, i) => i + 1);
    for (const m of machines) expect(seqs.get(m), m).toEqual(expected);
  });

  it("does not acknowledge an event the stream refuses: retries it, and a restarted gateway gets it again", async () => {
    const P = iso.prison("full");
    const M = `${iso.tag}-f1`;
    const streams = streamsFor(P, "full");
    const nc = await natsConnect({ servers: iso.servers.natsUrl });
    const jsm = await jetstreamManager(nc);
    await ensureStreams(jsm, streams);
    // Room for the registration and one event; the next is refused ("maximum messages exceeded").
    const cfg = (await jsm.streams.info(streams.events)).config;
    await jsm.streams.update(streams.events, { ...cfg, max_msgs: 2, discard: DiscardPolicy.New });
    await mqttAccounts(iso, [
      { username: `${iso.tag}-gw`, password: "gw", subscribe: [`hr/v1/${P}/#`] },
      { username: `${iso.tag}-reg`, password: "r", publish: [`hr/v1/${P}/registry/registry/+`] },
      deviceUser(P, M, "f1"),
    ]);
    const port = await freePort();
    const env = gatewayEnv(P, streams, "full", port);
    const first = await startService("gateway", env, "gateway-full");
    services.push(first);
    await register(P, [M]);
    const device = await mqtt.connectAsync(iso.servers.mqttUrl, { username: M, password: "f1", clientId: M });
    const topic = `hr/v1/${P}/machine/${M}/dispense`;
    await device.publishAsync(topic, dispense(P, M, 1), { qos: 1 });
    await expect.poll(() => streamMessages(streams.events), { timeout: 20_000 }).toBe(2);
    await device.publishAsync(topic, dispense(P, M, 2), { qos: 1 });
    // Bad input still becomes a dead letter while the events stream refuses.
    await device.publishAsync(topic, "{not json", { qos: 1 });
    await expect.poll(() => streamMessages(streams.dead), { timeout: 20_000 }).toBe(1);
    // The refused event is retried and held: it stays in the gateway's hands, unacknowledged.
    await expect
      .poll(() => metric(port, "hrvend_gateway_publish_retries_total"), { timeout: 20_000 })
      .toBeGreaterThan(1);
    expect(await metric(port, "hrvend_gateway_in_flight")).toBeGreaterThanOrEqual(1);
    expect(await streamMessages(streams.events)).toBe(2);
    expect(first.logs()).toContain("maximum messages exceeded");

    // Killed without a chance to finish: had the gateway acknowledged the event to the broker, it
    // would be lost now. The stream takes messages again and the restarted gateway (same id,
    // same persistent session) gets it redelivered.
    await first.kill("SIGKILL");
    await jsm.streams.update(streams.events, { ...cfg, max_msgs: -1, discard: DiscardPolicy.Old });
    services.push(await startService("gateway", { ...env, METRICS_PORT: "0" }, "gateway-full-2"));
    await expect.poll(() => streamMessages(streams.events), { timeout: 30_000 }).toBe(3);
    const last = await jsm.streams.getMessage(streams.events, { seq: 3 });
    expect(last?.json<{ machineId: string; seq: number }>()).toMatchObject({ machineId: M, seq: 2 });
    // The dead letter was redelivered too (it was acknowledged only after the event before it):
    // deduplicated by its id, the dead stream still holds one.
    expect(await streamMessages(streams.dead)).toBe(1);
    await device.endAsync();
    await nc.close();
  });
});
