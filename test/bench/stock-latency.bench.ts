import { deviceUser } from "@hrvend/runtime";
import { ensureStreams } from "@hrvend/runtime/nats";
import { EVENT_KINDS, EXAMPLES } from "@hrvend/schemas";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { sql } from "kysely";
import mqtt from "mqtt";
import { benchKnobs } from "../support/config";
import { isolateOn, mqttAccounts, testDatabase } from "../support/isolation";
import type { TestServers } from "../support/servers";
import { type ServiceProcess, startService } from "../support/services";
import { connectFleet } from "./load";

export interface StockLatencyBench {
  rate: number;
  seconds: number;
  events: number;
  /** Events whose level never became visible within the drain timeout (counted as missing, not as latency). */
  notVisible: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Mean interval between two reads of stock.slot: the resolution of every latency above. */
  pollIntervalMs: number;
  services: string[];
}

const MACHINES = 20;
const DRAIN_TIMEOUT_MS = 60_000;

/**
 * Publish → stock level visible in the database at a steady rate (issue #20): machines publish
 * dispenses through the real broker, gateway, JetStream and stock service (the recorder runs
 * alongside, as in production); each dispense's device time is its send time, and stock.slot's
 * `level_at` is the device time of the highest seq applied to the slot (stock applies a
 * machine's events in seq order), so a read of stock.slot that shows `level_at ≥ t` makes every
 * dispense of that machine sent at or before `t` visible. stock.slot is read in a loop; each
 * event's latency is the end of the first read that shows it minus its send time.
 */
export async function stockLatencyBench(
  servers: TestServers,
  log: (s: string) => void,
  seconds = 15,
  rate = 1000,
): Promise<StockLatencyBench> {
  const iso = isolateOn("stocklat", servers);
  const P = iso.prison("p1");
  const machines = Array.from({ length: MACHINES }, (_, i) => `${iso.tag}-m${i + 1}`);
  const tdb = await testDatabase(iso);
  const registry = `${iso.tag}-reg`;
  await mqttAccounts(iso, [
    { username: `${iso.tag}-gw`, password: "gw", subscribe: [`hr/v1/${P}/#`] },
    { username: registry, password: "r", publish: [`hr/v1/${P}/registry/registry/+`] },
    ...machines.map((m) => ({ ...deviceUser(P, m, m), publish: [`hr/v1/${P}/machine/${m}/+`] })),
  ]);
  const streams = {
    events: iso.stream("events"),
    // One subject per kind, so that the alerts stream (hr.v1.<prison>.<machine>.alert) does not overlap.
    eventSubjects: EVENT_KINDS.map((k) => `hr.v1.${P}.*.${k}`),
    dead: iso.stream("dead"),
    deadPrefix: `hr.dead.${iso.tag}`,
  };
  const nc = await natsConnect({ servers: servers.natsUrl });
  await ensureStreams(await jetstreamManager(nc), streams);
  await nc.close();
  const services: ServiceProcess[] = [];
  const gatewayConnections = benchKnobs.gatewayConnections();
  const gatewayWindow = benchKnobs.gatewayWindow();
  try {
    services.push(
      await startService(
        "gateway",
        {
          GATEWAY_ID: `${iso.tag}-gw`,
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
        `bench-stocklat-gateway`,
      ),
    );
    const common = {
      NATS_URL: servers.natsUrl,
      DATABASE_URL: tdb.roleUrl("hrvend_writer"),
      EVENTS_STREAM: streams.events,
      DEAD_STREAM: streams.dead,
      METRICS_PORT: "0",
    };
    services.push(
      await startService(
        "recorder",
        { ...common, CONSUMER: `recorder-${iso.tag}` },
        "bench-stocklat-recorder",
      ),
    );
    services.push(
      await startService(
        "stock",
        {
          ...common,
          CONSUMER: `stock-${iso.tag}`,
          ALERTS_STREAM: iso.stream("alerts"),
          ALERTS_SUBJECTS: `hr.v1.${P}.*.alert`,
        },
        "bench-stocklat-stock",
      ),
    );

    // The registry: the prison, the item and the machines with their slots.
    const reg = await mqtt.connectAsync(servers.mqttUrl, {
      username: registry,
      password: "r",
      clientId: registry,
    });
    const time = new Date(Date.now() - 3_600_000).toISOString();
    const refs = [
      { ...EXAMPLES.ref_prison, timeZone: "UTC" },
      {
        ...EXAMPLES.ref_item,
        itemId: "syringe-kit",
        name: "Syringe kit",
        category: "syringe_kit",
        syringesPerUnit: 10,
        tracksLots: false,
      },
      ...machines.map((machineId) => ({ ...EXAMPLES.ref_machine, machineId })),
    ];
    for (const [i, e] of refs.entries())
      await reg.publishAsync(
        `hr/v1/${P}/registry/registry/${e.kind}`,
        JSON.stringify({ ...e, prisonId: P, sourceId: "registry", seq: i + 1, time }),
        { qos: 1 },
      );
    await reg.endAsync();
    const slots = async () =>
      (
        await sql<{ machine_id: string; level_at: Date | null }>`
          SELECT machine_id, level_at FROM stock.slot WHERE slot_id = 's1'`.execute(tdb.db)
      ).rows;
    const ready = Date.now() + 120_000;
    while ((await slots()).length < MACHINES) {
      if (Date.now() > ready)
        throw new Error("stock latency: the machines' slots never appeared in stock.slot");
      await new Promise((r) => setTimeout(r, 100));
    }

    // Send times by machine, in seq order; `visible` counts how many of each machine's are seen.
    const sent = new Map(machines.map((m) => [m, [] as number[]]));
    const visible = new Map(machines.map((m) => [m, 0]));
    const latencies: number[] = [];
    let polls = 0;
    let polling = true;
    const pollStart = performance.now();
    const poller = (async () => {
      while (polling) {
        const rows = await slots();
        const now = Date.now();
        polls++;
        for (const r of rows) {
          const times = sent.get(r.machine_id);
          if (times === undefined || r.level_at === null) continue;
          const at = r.level_at.getTime();
          let k = visible.get(r.machine_id) ?? 0;
          while (k < times.length && (times[k] as number) <= at) latencies.push(now - (times[k++] as number));
          visible.set(r.machine_id, k);
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    log(`stock latency: ${rate} dispenses/s for ${seconds} s through gateway, recorder and stock`);
    const fleet = await connectFleet(servers.mqttUrl, P, machines, (m) => m);
    const total = rate * seconds;
    const start = performance.now();
    const pending: Promise<unknown>[] = [];
    for (let n = 0; n < total; n++) {
      const wait = start + (n * 1000) / rate - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const i = n % MACHINES;
      const machine = machines[i] as string;
      const times = sent.get(machine) as number[];
      // A machine's send times strictly increase with its seq (its level_at identifies the event).
      const at = Math.max(Date.now(), (times.at(-1) ?? 0) + 1);
      times.push(at);
      const e = {
        ...EXAMPLES.dispense,
        prisonId: P,
        machineId: machine,
        seq: times.length,
        deviceTime: new Date(at).toISOString(),
      };
      pending.push(
        fleet.clients[i]!.publishAsync(`hr/v1/${P}/machine/${machine}/dispense`, JSON.stringify(e), {
          qos: 1,
        }),
      );
    }
    await Promise.all(pending);
    const drain = Date.now() + DRAIN_TIMEOUT_MS;
    while (latencies.length < total && Date.now() < drain) await new Promise((r) => setTimeout(r, 50));
    polling = false;
    await poller;
    const pollIntervalMs = Math.round(((performance.now() - pollStart) / Math.max(polls, 1)) * 10) / 10;
    await Promise.all(fleet.clients.map((c) => c.endAsync()));
    latencies.sort((a, b) => a - b);
    const pct = (q: number) =>
      latencies.length === 0
        ? null
        : (latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] as number);
    const r: StockLatencyBench = {
      rate,
      seconds,
      events: total,
      notVisible: total - latencies.length,
      p50Ms: pct(0.5),
      p99Ms: pct(0.99),
      maxMs: latencies.at(-1) ?? null,
      pollIntervalMs,
      services: ["gateway", "recorder", "stock"],
    };
    log(`stock latency: ${JSON.stringify(r)}`);
    return r;
  } finally {
    await Promise.all(services.map((s) => s.kill("SIGTERM").catch(() => undefined)));
    await tdb.close();
  }
}
