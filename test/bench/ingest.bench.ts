import { deviceUser } from "@hrvend/runtime";
import { ensureStreams } from "@hrvend/runtime/nats";
import { EXAMPLES } from "@hrvend/schemas";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { sql } from "kysely";
import mqtt from "mqtt";
import { benchKnobs } from "../support/config";
import { isolateOn, mqttAccounts, testDatabase } from "../support/isolation";
import type { TestServers } from "../support/servers";
import { type ServiceProcess, startService } from "../support/services";
import { cpuSeconds } from "./cpu";
import { blast, connectFleet, dispensePayload, steady } from "./load";

export interface IngestBench {
  events: number;
  rawMqttEventsPerSec: number;
  /** CPU seconds during the raw MQTT run: the broker, and this process (publishers and bare subscribers). */
  rawMqttCpuSeconds: { mosquitto: number; publishersAndSubscribers: number };
  /** Events per CPU-second of the broker alone in the raw MQTT run. */
  rawMqttEventsPerBrokerCpuSecond: number;
  rawJetStreamPublishPerSec: number;
  endToEndEventsPerSec: number;
  endToEndToRawMqttRatio: number;
  /** Events/s from the first publish until the stream held every event: the gateway's stage, before the recorder. */
  intoStreamEventsPerSec: number;
  latencyAt1000PerSec: { rate: number; events: number; p50Ms: number; p99Ms: number; maxMs: number };
  cpuSecondsDuringEndToEnd: Record<string, number>;
  /** When the last event was acknowledged by the broker, stored in JetStream, written to the database. */
  endToEndStages: { publishedMs: number; inStreamMs: number; inDatabaseMs: number };
  targets: { endToEndEventsPerSec: number; ratio: number; p99Ms: number };
  met: { endToEnd: boolean; ratio: boolean; p99: boolean };
}

const MACHINES = 20;
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);

/** MQTT → gateway → JetStream → recorder → TimescaleDB, against raw ceilings measured in the same run. */
export async function ingestBench(
  servers: TestServers,
  events: number,
  log: (s: string) => void,
  latencySeconds = 15,
): Promise<IngestBench> {
  const iso = isolateOn("bench", servers);
  const P = iso.prison("p1");
  const machines = Array.from({ length: MACHINES }, (_, i) => `${iso.tag}-m${i + 1}`);
  const perMachine = Math.ceil(events / MACHINES);
  const total = perMachine * MACHINES;
  const tdb = await testDatabase(iso);
  await mqttAccounts(iso, [
    { username: `${iso.tag}-gw`, password: "gw", subscribe: [`hr/v1/${P}/#`, `bench/${iso.tag}/#`] },
    { username: `${iso.tag}-reg`, password: "r", publish: [`hr/v1/${P}/registry/registry/+`] },
    ...machines.map((m) => ({
      ...deviceUser(P, m, m),
      publish: [`hr/v1/${P}/machine/${m}/+`, `bench/${iso.tag}/${m}`],
    })),
  ]);

  // 1. Raw MQTT ceiling: the same publishers to a bare subscriber (8 connections in a share group).
  log(`raw MQTT: ${total} events`);
  const bare = await Promise.all(
    Array.from({ length: 8 }, (_, i) =>
      mqtt.connectAsync(servers.mqttUrl, {
        username: `${iso.tag}-gw`,
        password: "gw",
        clientId: `${iso.tag}-bare-${i}`,
        clean: true,
      }),
    ),
  );
  let received = 0;
  for (const c of bare) {
    c.on("message", () => received++);
    await c.subscribeAsync(`$share/bare/bench/${iso.tag}/#`, { qos: 1 });
  }
  const fleet = await connectFleet(servers.mqttUrl, P, machines, (m) => m);
  const brokerCpu0 = cpuSeconds(servers.pids.mosquitto);
  const rawSelf0 = process.cpuUsage();
  let t0 = performance.now();
  await blast(fleet, perMachine, { topic: (m) => `bench/${iso.tag}/${m}` });
  while (received < total) await new Promise((r) => setTimeout(r, 5));
  const rawMqtt = rate(total, performance.now() - t0);
  const rawSelf = process.cpuUsage(rawSelf0);
  const rawMqttCpu = {
    mosquitto: Math.round((cpuSeconds(servers.pids.mosquitto) - brokerCpu0) * 100) / 100,
    publishersAndSubscribers: Math.round(((rawSelf.user + rawSelf.system) / 1e6) * 100) / 100,
  };
  await Promise.all(bare.map((c) => c.endAsync()));

  // 2. Raw JetStream publish ceiling (256 publishes in flight).
  log(`raw JetStream: ${total} publishes`);
  const nc = await natsConnect({ servers: servers.natsUrl });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: iso.stream("raw"), subjects: [`bench.${iso.tag}.>`] });
  const js = jetstream(nc);
  const payload = dispensePayload(P, machines[0]!, 1, new Date());
  t0 = performance.now();
  const inflight = new Set<Promise<unknown>>();
  for (let i = 0; i < total; i++) {
    const p = js.publish(`bench.${iso.tag}.x`, payload, { msgID: `k${i}` }).finally(() => inflight.delete(p));
    inflight.add(p);
    if (inflight.size >= 256) await Promise.race(inflight);
  }
  await Promise.all(inflight);
  const rawJs = rate(total, performance.now() - t0);
  await jsm.streams.delete(iso.stream("raw"));

  // 3. End to end through the real services.
  const streams = {
    events: iso.stream("events"),
    eventSubjects: [`hr.v1.${P}.>`],
    dead: iso.stream("dead"),
    deadPrefix: `hr.dead.${iso.tag}`,
  };
  await ensureStreams(jsm, streams);
  await nc.close();
  const services: ServiceProcess[] = [];
  const gatewayCount = benchKnobs.gateways();
  const gatewayConnections = benchKnobs.gatewayConnections();
  const gatewayWindow = benchKnobs.gatewayWindow();
  for (let g = 0; g < gatewayCount; g++) {
    services.push(
      await startService(
        "gateway",
        {
          GATEWAY_ID: `${iso.tag}-gw${g}`,
          MQTT_URL: servers.mqttUrl,
          MQTT_USERNAME: `${iso.tag}-gw`,
          MQTT_PASSWORD: "gw",
          MQTT_SHARE_GROUP: `ingest-${iso.tag}`,
          MQTT_FILTERS: `hr/v1/${P}/#`,
          ...(gatewayConnections ? { MQTT_CONNECTIONS: gatewayConnections } : {}),
          ...(gatewayWindow ? { MQTT_WINDOW: gatewayWindow } : {}),
          NATS_URL: servers.natsUrl,
          EVENTS_STREAM: streams.events,
          EVENTS_SUBJECTS: streams.eventSubjects.join(","),
          DEAD_STREAM: streams.dead,
          DEAD_SUBJECT_PREFIX: streams.deadPrefix,
          METRICS_PORT: "0",
        },
        `bench-gateway-${g}`,
      ),
    );
  }
  services.push(
    await startService(
      "recorder",
      {
        NATS_URL: servers.natsUrl,
        DATABASE_URL: tdb.roleUrl("hrvend_writer"),
        EVENTS_STREAM: streams.events,
        DEAD_STREAM: streams.dead,
        CONSUMER: `recorder-${iso.tag}`,
        METRICS_PORT: "0",
      },
      "bench-recorder",
    ),
  );
  const reg = await mqtt.connectAsync(servers.mqttUrl, {
    username: `${iso.tag}-reg`,
    password: "r",
    clientId: `${iso.tag}-reg`,
  });
  for (const [i, m] of machines.entries()) {
    const e = {
      ...EXAMPLES.ref_machine,
      prisonId: P,
      sourceId: "registry",
      seq: i + 1,
      time: new Date(1_600_000_000_000).toISOString(),
      machineId: m,
    };
    await reg.publishAsync(`hr/v1/${P}/registry/registry/ref_machine`, JSON.stringify(e), { qos: 1 });
  }
  await reg.endAsync();
  const count = async () =>
    Number(
      (
        await sql<{ n: string }>`SELECT count(*) AS n FROM ingest.raw_event WHERE kind = 'dispense'`.execute(
          tdb.db,
        )
      ).rows[0]?.n,
    );
  const rec = services.at(-1)!;
  const pids: Record<string, number> = { recorder: rec.pid, ...servers.pids };
  for (const [g, s] of services.slice(0, -1).entries()) pids[`gateway${g}`] = s.pid;
  const cpuBefore = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuSeconds(p)]));
  const selfBefore = process.cpuUsage();
  log(`end to end: ${total} events`);
  t0 = performance.now();
  const published = blast(fleet, perMachine).then(() => performance.now() - t0);
  const streamed = (async () => {
    const c = await natsConnect({ servers: servers.natsUrl });
    const m = await jetstreamManager(c);
    while ((await m.streams.info(streams.events)).state.messages < total + machines.length)
      await new Promise((r) => setTimeout(r, 50));
    await c.close();
    return performance.now() - t0;
  })();
  while ((await count()) < total) await new Promise((r) => setTimeout(r, 100));
  const stages = {
    publishedMs: Math.round(await published),
    inStreamMs: Math.round(await streamed),
    inDatabaseMs: Math.round(performance.now() - t0),
  };
  log(`stages: ${JSON.stringify(stages)}`);
  const e2eMs = performance.now() - t0;
  const e2e = rate(total, e2eMs);
  const self = process.cpuUsage(selfBefore);
  const cpu: Record<string, number> = Object.fromEntries(
    Object.entries(pids).map(([k, p]) => [k, Math.round((cpuSeconds(p) - cpuBefore[k]!) * 100) / 100]),
  );
  cpu["loadGeneratorAndBench"] = Math.round(((self.user + self.system) / 1e6) * 100) / 100;
  cpu["wallSeconds"] = Math.round(e2eMs / 10) / 100;

  // 4. Latency at a steady 1,000 events/s: device time is the send time; received_at is the row's.
  log(`latency at 1000 events/s for ${latencySeconds} s`);
  const latEvents = await steady(fleet, 1_000, latencySeconds, perMachine + 1);
  while ((await count()) < total + latEvents) await new Promise((r) => setTimeout(r, 100));
  const lat = await sql<{ p50: number; p99: number; max: number }>`
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
           percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max
    FROM (SELECT extract(epoch FROM received_at - event_time) * 1000 AS ms FROM ingest.raw_event
          WHERE kind = 'dispense' AND seq > ${perMachine}) x`.execute(tdb.db);
  const l = lat.rows[0]!;

  await Promise.all(fleet.clients.map((c) => c.endAsync()));
  await Promise.all(services.map((s) => s.kill("SIGTERM")));
  await tdb.close();
  const ratio = Math.round((e2e / rawMqtt) * 100) / 100;
  const p99 = Math.round(Number(l.p99));
  return {
    events: total,
    rawMqttEventsPerSec: rawMqtt,
    rawMqttCpuSeconds: rawMqttCpu,
    rawMqttEventsPerBrokerCpuSecond: rawMqttCpu.mosquitto > 0 ? Math.round(total / rawMqttCpu.mosquitto) : 0,
    rawJetStreamPublishPerSec: rawJs,
    endToEndEventsPerSec: e2e,
    endToEndToRawMqttRatio: ratio,
    intoStreamEventsPerSec: rate(total, stages.inStreamMs),
    latencyAt1000PerSec: {
      rate: 1000,
      events: latEvents,
      p50Ms: Math.round(Number(l.p50)),
      p99Ms: p99,
      maxMs: Math.round(Number(l.max)),
    },
    cpuSecondsDuringEndToEnd: cpu,
    endToEndStages: stages,
    targets: { endToEndEventsPerSec: 10_000, ratio: 0.5, p99Ms: 500 },
    met: { endToEnd: e2e >= 10_000, ratio: ratio >= 0.5, p99: p99 < 500 },
  };
}
