import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { heartbeatSeqs } from "@hrvend/recorder/read";
import { sourceUser } from "@hrvend/runtime";
import { ensureStreams } from "@hrvend/runtime/nats";
import { EXAMPLES, type HrEvent } from "@hrvend/schemas";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { type NatsConnection, connect as natsConnect } from "@nats-io/transport-node";
import { sql } from "kysely";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, hrvend } from "../support/cli";
import { isolate, mqttAccounts, type TestDatabase, testDatabase } from "../support/isolate";
import { type ServiceProcess, startService } from "../support/services";

/**
 * The events stream has a max age (production: STREAM_MAX_AGE_DAYS=30), and the registry's ref
 * events age out of it like any other. A gateway must still admit the machines the registry
 * registered: after the ref events are gone from the stream, after a restart, and when another
 * instance admitted the registration. Real Mosquitto, NATS JetStream, gateways, recorder and
 * `hrvend registry apply` on loopback; the stream keeps a message AGE_S seconds.
 *
 * Two gateways split the topics so that each path is tested on its own: `reg` reads only the
 * registry's topics (it admits ref events), `mach` only the machines' (it knows a machine only
 * from the stream feed or the registry bucket, never from admitting its registration).
 */
const iso = isolate("regage");
const PA = iso.prison("pa");
const SRC = `${iso.tag}-reg`;
/** A second registry source: it may never take over a machine the first one registered. */
const SRC2 = `${iso.tag}-reg2`;
const M1 = `${iso.tag}-m1`;
const M2 = `${iso.tag}-m2`;
const AGE_S = 15;
const streams = {
  events: iso.stream("events"),
  eventSubjects: [`hr.v1.${PA}.>`, `hr.v1.programme.${SRC}.>`, `hr.v1.programme.${SRC2}.>`],
  dead: iso.stream("dead"),
  deadPrefix: `hr.dead.${iso.tag}`,
};
/** The gateway's default bucket, as its README names it: hrvend_registry_<EVENTS_STREAM>. */
const BUCKET = `hrvend_registry_${streams.events}`;

let tdb: TestDatabase;
let dir: string;
let nc: NatsConnection;
const gateways = new Map<"reg" | "mach", ServiceProcess>();
let recorder: ServiceProcess | undefined;

const gatewayEnv = (which: "reg" | "mach") => ({
  GATEWAY_ID: `${iso.tag}-${which}`,
  MQTT_URL: iso.servers.mqttUrl,
  MQTT_USERNAME: `${iso.tag}-gw`,
  MQTT_PASSWORD: "gw",
  MQTT_SHARE_GROUP: `ingest-${iso.tag}-${which}`,
  MQTT_FILTERS:
    which === "reg"
      ? `hr/v1/${PA}/registry/#,hr/v1/programme/registry/${SRC}/#,hr/v1/programme/registry/${SRC2}/#`
      : `hr/v1/${PA}/machine/#`,
  MQTT_CONNECTIONS: "1",
  NATS_URL: iso.servers.natsUrl,
  EVENTS_STREAM: streams.events,
  EVENTS_SUBJECTS: streams.eventSubjects.join(","),
  DEAD_STREAM: streams.dead,
  DEAD_SUBJECT_PREFIX: streams.deadPrefix,
  METRICS_PORT: "0",
});

async function startGateway(which: "reg" | "mach"): Promise<void> {
  gateways.set(which, await startService("gateway", gatewayEnv(which), `regage-gateway-${which}`));
}

async function restartGateways(): Promise<void> {
  for (const g of gateways.values()) await g.kill("SIGTERM");
  await startGateway("reg");
  await startGateway("mach");
}

const file = (machines: string[]) => `version: 1
items:
  - id: kit
    name: Syringe kit
    category: syringe_kit
    syringesPerUnit: 10
    tracksLots: false
prisons:
  - id: ${PA}
    name: Prison A
    timeZone: Europe/Chisinau
    capacity: 300
    injectingPrevalence: 0.1
    opioidDependencePrevalence: 0.05
    oatCapacity: 10
    machines:
${machines.map((m) => `      - id: ${m}\n        location: Block ${m}\n        slots:\n          - { id: s1, item: kit, capacity: 40 }\n`).join("")}`;

async function apply(text: string, extra: string[] = [], source = SRC, wait = "60"): Promise<CliResult> {
  const f = join(dir, `registry-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(f, text);
  return hrvend(
    [
      "registry",
      "apply",
      f,
      "--source",
      source,
      "--database-url",
      tdb.roleUrl("hrvend_writer"),
      "--mqtt-url",
      iso.servers.mqttUrl,
      "--mqtt-password-file",
      join(dir, "registry.pw"),
      "--wait",
      wait,
      ...extra,
    ],
    { HRVEND_STATE_DIR: join(dir, "state") },
  );
}

/** A machine's heartbeat over MQTT with the machine's own account, acknowledged by the broker. */
async function heartbeat(machineId: string, seq: number): Promise<void> {
  const c = await mqtt.connectAsync(iso.servers.mqttUrl, {
    username: machineId,
    password: `${machineId}-pw`,
    clientId: machineId,
    clean: true,
    reconnectPeriod: 0,
  });
  const e = {
    ...EXAMPLES.heartbeat,
    prisonId: PA,
    machineId,
    seq,
    deviceTime: new Date(Date.now() - 1_000).toISOString(),
  } as HrEvent;
  try {
    await c.publishAsync(`hr/v1/${PA}/machine/${machineId}/heartbeat`, JSON.stringify(e), { qos: 1 });
  } finally {
    await c.endAsync();
  }
}

/** Heartbeat seqs the recorder stored (accepted into the stream), per machine. */
async function admitted(): Promise<Record<string, number[]>> {
  // Heartbeats are rolled up, not stored raw (migration 0025): the seqs their rollups counted.
  return Object.fromEntries(await heartbeatSeqs(tdb.db));
}

async function unknownMachineLetters(): Promise<number> {
  const r = await sql<{ n: string }>`
    SELECT count(*) AS n FROM ingest.dead_letter WHERE reason = 'unknown_machine'`.execute(tdb.db);
  return Number(r.rows[0]?.n ?? 0);
}

/** Reference events the stream still holds (their subjects' kind token is ref_*). */
async function refsInStream(): Promise<number> {
  const info = await (await jetstreamManager(nc)).streams.info(streams.events, { subjects_filter: ">" });
  return Object.entries(info.state.subjects ?? {})
    .filter(([s]) => s.split(".")[4]?.startsWith("ref_"))
    .reduce((n, [, c]) => n + c, 0);
}

/** The latest recorded ref event per entity, `kind.entity` → seq (the recorder keeps them all). */
async function recordedRefs(): Promise<Record<string, number>> {
  const r = await sql<{ k: string; seq: string }>`
    SELECT DISTINCT ON (k) k, seq FROM (
      SELECT kind || '.' || coalesce(payload->>'machineId', payload->>'itemId', prison_id) AS k, seq
        FROM ingest.raw_event WHERE source_id = ${SRC} AND kind LIKE 'ref\\_%') x
     ORDER BY k, seq DESC`.execute(tdb.db);
  return Object.fromEntries(r.rows.map((x) => [x.k, Number(x.seq)]));
}

/** What the registry bucket holds: key → the seq of the event kept there. */
async function bucket(): Promise<Record<string, number>> {
  const kv = await new Kvm(nc).open(BUCKET);
  const out: Record<string, number> = {};
  for await (const k of await kv.keys()) {
    const e = await kv.get(k);
    if (e?.operation === "PUT") out[k] = (e.json() as { seq: number }).seq;
  }
  return out;
}

async function until<T>(read: () => Promise<T>, want: T, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!isDeepStrictEqual(last, want) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    last = await read();
  }
  expect(last).toEqual(want);
}

/** Waits until the stream's max age has removed every reference event. */
async function agedOut(): Promise<void> {
  await until(refsInStream, 0, AGE_S * 1000 * 4);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hrvend-regage-"));
  tdb = await testDatabase(iso);
  nc = await natsConnect({ servers: iso.servers.natsUrl });
  // The streams as the gateway creates them, then with a max age of seconds (JetStream wants the
  // dedup window no longer than the max age).
  const jsm = await jetstreamManager(nc);
  await ensureStreams(jsm, streams);
  for (const name of [streams.events, streams.dead]) {
    const { config } = await jsm.streams.info(name);
    await jsm.streams.update(name, { ...config, max_age: AGE_S * 1e9, duplicate_window: AGE_S * 1e9 });
  }
  writeFileSync(join(dir, "registry.pw"), "registry-pw", { mode: 0o600 });
  await mqttAccounts(iso, [
    {
      username: `${iso.tag}-gw`,
      password: "gw",
      subscribe: [`hr/v1/${PA}/#`, `hr/v1/programme/registry/${SRC}/#`, `hr/v1/programme/registry/${SRC2}/#`],
    },
    sourceUser("+", "registry", SRC, "registry-pw"),
    sourceUser("+", "registry", SRC2, "registry-pw"),
    sourceUser(PA, "machine", M1, `${M1}-pw`),
    sourceUser(PA, "machine", M2, `${M2}-pw`),
  ]);
  await startGateway("reg");
  await startGateway("mach");
  recorder = await startService("recorder", {
    NATS_URL: iso.servers.natsUrl,
    DATABASE_URL: tdb.roleUrl("hrvend_writer"),
    EVENTS_STREAM: streams.events,
    DEAD_STREAM: streams.dead,
    CONSUMER: `recorder-${iso.tag}`,
    METRICS_PORT: "0",
  });
}, 300_000);

afterAll(async () => {
  for (const g of gateways.values()) await g.kill("SIGTERM").catch(() => undefined);
  await recorder?.kill("SIGTERM").catch(() => undefined);
  await nc?.close();
  await tdb?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("registry older than the stream's max age", () => {
  it("a running gateway learns a registration another instance admitted after older ones aged out", async () => {
    const first = await apply(file([M1]));
    expect(first.code, first.stderr).toBe(0);
    await heartbeat(M1, 1);
    await until(admitted, { [M1]: [1] });
    await agedOut();
    // The recorder keeps them: only the stream lost them.
    expect(Object.keys(await recordedRefs()).sort()).toEqual(
      [`ref_item.kit`, `ref_machine.${M1}`, `ref_prison.${PA}`].sort(),
    );

    const second = await apply(file([M1, M2]));
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`+ machine ${M2} (prison ${PA})`);
    await heartbeat(M2, 1);
    await until(admitted, { [M1]: [1], [M2]: [1] });
    expect(await unknownMachineLetters()).toBe(0);
  });

  it("gateways restarted once the registry aged out still admit its machines and keep its owner", async () => {
    await agedOut();
    expect(await refsInStream()).toBe(0);
    // The bucket holds each entity's latest recorded ref event, with its seq.
    expect(await bucket()).toEqual(await recordedRefs());
    await restartGateways();
    await heartbeat(M1, 2);
    await heartbeat(M2, 2);
    await until(admitted, { [M1]: [1, 2], [M2]: [1, 2] });
    expect(await unknownMachineLetters()).toBe(0);

    // Hostile: a second registry source re-registers M1 elsewhere while the stream holds nothing
    // of the first one's. The restarted gateway still knows the machine's registrar.
    const takeover = await apply(file([M1]), [], SRC2, "15");
    expect(takeover.code, takeover.stdout + takeover.stderr).toBe(2);
    expect(takeover.stderr).toContain(
      `refused by the gateway: wrong_source_type: the machine in this ref_machine is registered by registry source '${SRC}'`,
    );
    const owners = await sql<{ source_id: string }>`
      SELECT DISTINCT source_id FROM ingest.raw_event WHERE kind = 'ref_machine' AND payload->>'machineId' = ${M1}`.execute(
      tdb.db,
    );
    expect(owners.rows.map((x) => x.source_id)).toEqual([SRC]);
  });

  it("after a disaster that lost the bucket too, apply --republish repairs the deployment", async () => {
    await agedOut();
    await (await new Kvm(nc).open(BUCKET)).destroy();
    await restartGateways();
    await heartbeat(M1, 3);
    await until(unknownMachineLetters, 1);
    // The reported trap: the recorder still has the registry, so a plain apply finds nothing.
    const plain = await apply(file([M1, M2]));
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toContain("nothing to publish");

    const before = await recordedRefs();
    const repair = await apply(file([M1, M2]), ["--republish"]);
    expect(repair.code, repair.stderr).toBe(0);
    expect(repair.stdout).toContain(`= machine ${M1} (prison ${PA}): unchanged, published again`);
    expect(repair.stdout).toContain("published 4 reference event(s)");
    const after = await recordedRefs();
    for (const k of Object.keys(before)) expect(after[k], k).toBeGreaterThan(before[k] as number);
    await heartbeat(M1, 4);
    await heartbeat(M2, 3);
    await until(admitted, { [M1]: [1, 2, 4], [M2]: [1, 2, 3] });
    expect(await unknownMachineLetters()).toBe(1);
    expect(await bucket()).toEqual(after);
  });
});
