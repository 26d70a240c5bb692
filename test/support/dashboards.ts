import { join } from "node:path";
import { publicationCurrent } from "@hrvend/coverage/read";
import { deviceCredentials, loadScenario } from "@hrvend/devices";
import { committedPositions, deadLetterCount } from "@hrvend/recorder/read";
import { planFreshness } from "@hrvend/reorder/read";
import { newSecret } from "@hrvend/runtime";
import type { Database } from "@hrvend/runtime/db";
import { LocalCalendar } from "@hrvend/runtime/time";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import type { Kysely } from "kysely";
import mqtt from "mqtt";
import { startPrivateServers } from "./private-servers";
import { type ServiceProcess, startService } from "./services";
import { runSimulator } from "./simulator";

/** The services that consume the events stream and write what the dashboards read. */
export const CONSUMERS = ["recorder", "stock", "reorder", "coverage"] as const;

export interface FilledPipeline {
  /** Events the simulator published (all of them reached the stream and every consumer). */
  events: number;
  /** Malformed messages sent through the broker on purpose: the gateway dead-letters them. */
  rejects: number;
  /** Simulated interval covered: [start, end). */
  start: Date;
  end: Date;
  prisons: string[];
  seconds: number;
  stop(): Promise<void>;
}

/**
 * Runs a simulator scenario through the real pipeline (simulator → mosquitto → gateway →
 * JetStream → recorder, stock, reorder, coverage → TimescaleDB) into `db` (already migrated), and returns
 * once every consumer has committed the stream's last message and every prison's restock plan
 * is computed from its latest revision. A few malformed messages go through the broker too, so
 * the dead-letter panels have rows. The scenario's prison ids are fixed: the broker and NATS
 * server are the caller's own (under `dir`).
 */
export async function fillPipeline(opts: {
  dir: string;
  db: Kysely<Database>;
  writerUrl: string;
  scenario: string;
  days: number;
  seed?: string;
  /** Override the scenario's start instant (ISO 8601 with offset): the gateway refuses events from the future. */
  start?: string;
  label: string;
  log?: (s: string) => void;
}): Promise<FilledPipeline> {
  const t0 = performance.now();
  const log = opts.log ?? (() => undefined);
  const secret = newSecret();
  const { scenario } = loadScenario(opts.scenario);
  const startIso = opts.start ?? scenario.start;
  const { broker, nats, stop: stopServers } = await startPrivateServers(opts.dir, scenario, secret);
  const procs: ServiceProcess[] = [];
  const stop = async () => {
    for (const p of procs.reverse()) await p.kill("SIGTERM").catch(() => undefined);
    await stopServers();
  };
  try {
    procs.push(
      await startService(
        "gateway",
        {
          GATEWAY_ID: opts.label,
          MQTT_URL: broker.url,
          MQTT_USERNAME: "gw",
          MQTT_PASSWORD: "gw",
          NATS_URL: nats.url,
          METRICS_PORT: "0",
        },
        `${opts.label}-gateway`,
      ),
    );
    const base = { NATS_URL: nats.url, DATABASE_URL: opts.writerUrl, METRICS_PORT: "0" };
    procs.push(await startService("recorder", base, `${opts.label}-recorder`));
    procs.push(await startService("stock", base, `${opts.label}-stock`));
    procs.push(await startService("coverage", base, `${opts.label}-coverage`));
    // The scenario's outreach schedules, counted from its start date (as the reorder test does).
    const schedules = Object.fromEntries(
      scenario.prisons.map((p) => [
        p.prisonId,
        {
          anchorDate: LocalCalendar.for(p.timeZone).dateOf(Date.parse(startIso)),
          firstVisitDay: p.outreach.firstVisitDay,
          intervalDays: p.outreach.intervalDays,
          hour: p.outreach.hour,
          leadTimeDays: p.outreach.leadTimeDays,
        },
      ]),
    );
    procs.push(
      await startService(
        "reorder",
        { ...base, REORDER_SCHEDULES: JSON.stringify(schedules), RECOMPUTE_INTERVAL_MS: "2000" },
        `${opts.label}-reorder`,
      ),
    );

    log(`simulating ${opts.scenario} for ${opts.days} days through the pipeline`);
    const sim = runSimulator(
      [
        ...["--scenario", opts.scenario, "--days", String(opts.days), "--seed", opts.seed ?? "42"],
        ...["--speed", "max", "--mqtt-url", broker.url, "--state-dir", join(opts.dir, "sim")],
        ...(opts.start ? ["--start", opts.start] : []),
      ],
      { HRVEND_DEPLOYMENT_SECRET: secret },
    );
    const code = await sim.exited;
    if (code !== 0) throw new Error(`simulator exited ${code}: ${sim.output().slice(-2000)}`);

    // Bad input through the same path: a payload that is not JSON, and one naming another machine.
    const p0 = scenario.prisons[0]!;
    const [m0, m1] = p0.machines;
    const dev = deviceCredentials(scenario, secret).find((c) => c.username === m0!.machineId)!;
    const client = await mqtt.connectAsync(broker.url, {
      username: dev.username,
      password: dev.password,
      clientId: dev.clientId,
    });
    const topic = `hr/v1/${p0.prisonId}/machine/${m0!.machineId}/heartbeat`;
    await client.publishAsync(topic, "this is not json", { qos: 1 });
    const alien = {
      kind: "heartbeat",
      prisonId: p0.prisonId,
      machineId: m1?.machineId ?? "elsewhere",
      seq: 1,
    };
    await client.publishAsync(topic, JSON.stringify(alien), { qos: 1 });
    await client.endAsync();
    const rejects = 2;

    const nc = await natsConnect({ servers: nats.url });
    const jsm = await jetstreamManager(nc);
    const info = async () => (await jsm.streams.info("HR_EVENTS")).state;
    // The broker acknowledged everything; wait for the gateway to forward it (stream stops growing).
    let last = -1;
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const s = await info();
      if (s.last_seq === last) break;
      last = s.last_seq;
    }
    const events = (await info()).messages;
    await nc.close();
    log(`${events} events in the stream; waiting for the consumers`);

    const caughtUp = async () => {
      const at = await committedPositions(opts.db, "HR_EVENTS");
      return CONSUMERS.every((c) => at.get(c) === last);
    };
    const plansFresh = async () => (await planFreshness(opts.db)).stale === 0;
    const deadLetters = () => deadLetterCount(opts.db);
    // The coverage service publishes its suppressed figures once its figures settle (a
    // publish_state table, where it exists, says whether publication has caught up).
    const published = () => publicationCurrent(opts.db);
    const deadline = Date.now() + 30 * 60_000;
    while (
      !((await caughtUp()) && (await plansFresh()) && (await deadLetters()) >= rejects && (await published()))
    ) {
      if (Date.now() > deadline) throw new Error("the consumers did not catch up within 30 minutes");
      await new Promise((r) => setTimeout(r, 500));
    }
    const start = new Date(Date.parse(startIso));
    return {
      events,
      rejects,
      start,
      end: new Date(start.getTime() + opts.days * 86_400_000),
      prisons: scenario.prisons.map((p) => p.prisonId),
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
