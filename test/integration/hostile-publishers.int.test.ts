import { isDeepStrictEqual } from "node:util";
import { applyBatch as applyCoverage } from "@hrvend/coverage/store";
import { freePort } from "@hrvend/local-stack";
import { recorderDb } from "@hrvend/recorder";
import { heartbeatSeqs } from "@hrvend/recorder/read";
import { applyBatch as applyReorder, batchChanges } from "@hrvend/reorder/service";
import type { MqttUser } from "@hrvend/runtime";
import { ensureStreams } from "@hrvend/runtime/nats";
import { EXAMPLES, type HrEvent } from "@hrvend/schemas";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { sql } from "kysely";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolate, mqttAccounts, type TestDatabase, testDatabase } from "../support/isolate";
import { type ServiceProcess, startService } from "../support/services";

/**
 * Issue #14, "done when": hostile publishers on the real broker (Mosquitto 2.0.11 with the
 * accounts hrvend gives it), each with real machine or office credentials, through two real
 * gateways into JetStream and the recorder. Every expectation is written from docs/architecture.md
 * ("every event kind has one legitimate source type …; sources are write-only on the broker;
 * only the gateway reads the ingest subscription"), not from the code: the topics and ACL lines
 * below are spelled out by hand.
 */
const iso = isolate("hostile");
const PA = iso.prison("pa");
const PB = iso.prison("pb");
const MA = `${iso.tag}-ma`;
const MB = `${iso.tag}-mb`;
const REG = `${iso.tag}-registry`;
const CENSUS = `${PA}-census`;
const HEALTH = `${PA}-health`;
const GROUP = `ingest-${iso.tag}`;
const streams = {
  events: iso.stream("events"),
  eventSubjects: [`hr.v1.${PA}.>`, `hr.v1.${PB}.>`],
  dead: iso.stream("dead"),
  deadPrefix: `hr.dead.${iso.tag}`,
};
const MACHINE_KINDS = [
  "dispense",
  "dispense_refused",
  "restock",
  "stock_adjustment",
  "heartbeat",
  "fault",
  "status",
];
const kindTopics = (prison: string, type: string, id: string, kinds: string[]) =>
  kinds.map((k) => `hr/v1/${prison}/${type}/${id}/${k}`);

// The accounts, written the way the README's security section describes them.
const accounts: MqttUser[] = [
  { username: `${iso.tag}-gw`, password: "gw", subscribe: [`hr/v1/${PA}/#`, `hr/v1/${PB}/#`] },
  { username: MA, clientId: MA, password: "pa", publish: kindTopics(PA, "machine", MA, MACHINE_KINDS) },
  { username: MB, clientId: MB, password: "pb", publish: kindTopics(PB, "machine", MB, MACHINE_KINDS) },
  {
    username: REG,
    clientId: REG,
    password: "reg",
    publish: [PA, PB].flatMap((p) =>
      kindTopics(p, "registry", REG, ["ref_prison", "ref_machine", "ref_item"]),
    ),
  },
  {
    username: CENSUS,
    clientId: CENSUS,
    password: "census",
    publish: kindTopics(PA, "census_office", CENSUS, ["census"]),
  },
  {
    username: HEALTH,
    clientId: HEALTH,
    password: "health",
    publish: kindTopics(PA, "health_unit", HEALTH, ["oat"]),
  },
  // Not a real account type: a deliberately over-broad one standing for a broker misconfiguration,
  // to show the gateway's own checks (the second layer) when the ACL lets something through.
  { username: `${iso.tag}-loose`, password: "loose", publish: [`hr/v1/${PA}/#`, `hr/v1/${PB}/#`] },
];

let tdb: TestDatabase;
const services: ServiceProcess[] = [];
const clients: MqttClient[] = [];
let base = 0;

const at = (s: number) => new Date(Date.now() - 3_600_000 + s * 1000).toISOString();
const heartbeat = (prisonId: string, machineId: string, seq: number): HrEvent =>
  ({ ...EXAMPLES.heartbeat, prisonId, machineId, seq, deviceTime: at(seq % 3000) }) as HrEvent;
const registration = (prisonId: string, machineId: string, seq: number, over: object = {}): HrEvent =>
  ({ ...EXAMPLES.ref_machine, prisonId, sourceId: REG, seq, time: at(0), machineId, ...over }) as HrEvent;
const census = (sourceId: string, seq: number, population: number, prisonId = PA): HrEvent =>
  ({ ...EXAMPLES.census, prisonId, sourceId, seq, time: at(1), population }) as HrEvent;
const oat = (sourceId: string, seq: number, prisonId = PA): HrEvent =>
  ({ ...EXAMPLES.oat, prisonId, sourceId, seq, time: at(2), action: "enrol", doseMg: 60 }) as HrEvent;
const refItem = (sourceId: string, seq: number, prisonId = PA): HrEvent =>
  ({
    ...EXAMPLES.ref_item,
    prisonId,
    sourceId,
    seq,
    time: at(0),
    itemId: "syringe-kit",
    category: "syringe_kit",
    syringesPerUnit: 100,
    tracksLots: false,
  }) as HrEvent;
const refPrison = (sourceId: string, seq: number, prisonId: string): HrEvent =>
  ({ ...EXAMPLES.ref_prison, prisonId, sourceId, seq, time: at(0) }) as HrEvent;
const json = (e: HrEvent) => JSON.stringify(e);

async function connect(username: string, password: string, protocolVersion: 4 | 5, clientId = username) {
  const c = await mqtt.connectAsync(iso.servers.mqttUrl, {
    username,
    password,
    clientId,
    protocolVersion,
    clean: true,
    reconnectPeriod: 0,
  });
  clients.push(c);
  return c;
}

/** Ends a client's connection (a source account has one client id: one connection at a time). */
async function end(...cs: MqttClient[]): Promise<void> {
  await Promise.all(cs.map((c) => c.endAsync().catch(() => undefined)));
}

/** The broker's answer to a QoS 1 publish: 0 when accepted, else the MQTT 5 reason code. */
async function publishCode(c: MqttClient, topic: string, payload: string): Promise<number> {
  try {
    await c.publishAsync(topic, payload, { qos: 1 });
    return 0;
  } catch (e) {
    return (e as { code?: number }).code ?? -1;
  }
}

/** The SUBACK return codes of a subscription (0x80 / 135 = refused). */
async function subscribeCodes(c: MqttClient, filter: string): Promise<number[]> {
  try {
    return (await c.subscribeAsync(filter, { qos: 1 })).map((g) => g.qos);
  } catch (e) {
    return (e as { packet?: { granted?: number[] } }).packet?.granted ?? [-1];
  }
}

async function subjects(): Promise<Record<string, number>> {
  const nc = await natsConnect({ servers: iso.servers.natsUrl });
  try {
    const info = await (await jetstreamManager(nc)).streams.info(streams.events, { subjects_filter: ">" });
    return { ...(info.state.subjects ?? {}) };
  } finally {
    await nc.close();
  }
}

async function stored(): Promise<Record<string, number>> {
  const r = await sql<{ k: string; n: string }>`
    SELECT source_id || ':' || kind AS k, count(*) AS n FROM ingest.raw_event GROUP BY 1
    UNION ALL SELECT machine_id || ':heartbeat', sum(heartbeats) FROM ingest.heartbeat_hourly GROUP BY 1`.execute(
    tdb.db,
  );
  return Object.fromEntries(r.rows.map((x) => [x.k, Number(x.n)]));
}

async function deadLetters(): Promise<{ reason: string; topic: string | null; message: string }[]> {
  return recorderDb(tdb.db)
    .selectFrom("ingest.dead_letter")
    .select(["reason", "topic", "message"])
    .orderBy("topic")
    .execute();
}

/** What the stream and the recorder must hold: only what the legitimate sources published. */
const legit = new Map<string, number>();
const expectLegit = (source: string, kind: string, prison: string, n = 1) => {
  const k = `hr.v1.${prison}.${source}.${kind}`;
  legit.set(k, (legit.get(k) ?? 0) + n);
};
const expectedStored = () =>
  Object.fromEntries(
    [...legit].reduce((m, [k, n]) => {
      const [, , , source, kind] = k.split(".");
      const key = `${source}:${kind}`;
      return m.set(key, (m.get(key) ?? 0) + n);
    }, new Map<string, number>()),
  );

/** Waits until `read` gives `want` (deep equality), then asserts it (usable in beforeAll too). */
async function until<T>(read: () => Promise<T>, want: T, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!isDeepStrictEqual(last, want) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    last = await read();
  }
  expect(last).toEqual(want);
}

async function settled(expectedLetters: number): Promise<void> {
  await until(subjects, Object.fromEntries(legit));
  await until(stored, expectedStored());
  await until(async () => (await deadLetters()).length, expectedLetters);
}

beforeAll(async () => {
  tdb = await testDatabase(iso);
  const nc = await natsConnect({ servers: iso.servers.natsUrl });
  await ensureStreams(await jetstreamManager(nc), streams);
  await nc.close();
  await mqttAccounts(iso, accounts);
  const common = {
    MQTT_URL: iso.servers.mqttUrl,
    MQTT_USERNAME: `${iso.tag}-gw`,
    MQTT_PASSWORD: "gw",
    MQTT_SHARE_GROUP: GROUP,
    MQTT_FILTERS: `hr/v1/${PA}/#,hr/v1/${PB}/#`,
    MQTT_CONNECTIONS: "2",
    NATS_URL: iso.servers.natsUrl,
    EVENTS_STREAM: streams.events,
    EVENTS_SUBJECTS: streams.eventSubjects.join(","),
    DEAD_STREAM: streams.dead,
    DEAD_SUBJECT_PREFIX: streams.deadPrefix,
  };
  for (const id of ["a", "b"]) {
    const port = await freePort();
    services.push(
      await startService(
        "gateway",
        { ...common, GATEWAY_ID: `${iso.tag}-${id}`, METRICS_PORT: String(port) },
        `hostile-gateway-${id}`,
      ),
    );
  }
  services.push(
    await startService("recorder", {
      NATS_URL: iso.servers.natsUrl,
      DATABASE_URL: tdb.roleUrl("hrvend_writer"),
      EVENTS_STREAM: streams.events,
      DEAD_STREAM: streams.dead,
      CONSUMER: `recorder-${iso.tag}`,
      METRICS_PORT: "0",
    }),
  );
  // The legitimate baseline: the registry registers both machines, the offices file their figures.
  const reg = await connect(REG, "reg", 4);
  await reg.publishAsync(`hr/v1/${PA}/registry/${REG}/ref_machine`, json(registration(PA, MA, 1)), {
    qos: 1,
  });
  await reg.publishAsync(`hr/v1/${PB}/registry/${REG}/ref_machine`, json(registration(PB, MB, 2)), {
    qos: 1,
  });
  expectLegit(REG, "ref_machine", PA);
  expectLegit(REG, "ref_machine", PB);
  const office = await connect(CENSUS, "census", 4);
  await office.publishAsync(`hr/v1/${PA}/census_office/${CENSUS}/census`, json(census(CENSUS, 1, 221)), {
    qos: 1,
  });
  expectLegit(CENSUS, "census", PA);
  const health = await connect(HEALTH, "health", 4);
  await health.publishAsync(`hr/v1/${PA}/health_unit/${HEALTH}/oat`, json(oat(HEALTH, 1)), { qos: 1 });
  expectLegit(HEALTH, "oat", PA);
  await end(reg, office, health);
  await settled(0);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  await Promise.all(services.map((s) => s.kill("SIGTERM")));
  await tdb?.close();
});

describe("hostile publishers with real credentials", () => {
  it("refuses every kind of another source type from a machine, on its own topic and on office-looking topics (MQTT 5 reason 135), and nothing enters", async () => {
    const a5 = await connect(MA, "pa", 5);
    // [what, topic, payload]: the attacks of issue #14 and their office-looking variants.
    const attacks: [string, string, HrEvent][] = [
      [
        "ref_machine for another prison's machine on its own topic",
        `hr/v1/${PA}/machine/${MA}/ref_machine`,
        registration(PB, MB, 999_999, { sourceId: MA, active: false }),
      ],
      ["census 99,999 on its own topic", `hr/v1/${PA}/machine/${MA}/census`, census(MA, 999_999, 99_999)],
      ["an OAT enrolment on its own topic", `hr/v1/${PA}/machine/${MA}/oat`, oat(MA, 999_999)],
      ["100 syringes per kit on its own topic", `hr/v1/${PA}/machine/${MA}/ref_item`, refItem(MA, 999_999)],
      ["ref_prison on its own topic", `hr/v1/${PA}/machine/${MA}/ref_prison`, refPrison(MA, 999_999, PA)],
      [
        "ref_machine as the registry",
        `hr/v1/${PB}/registry/${REG}/ref_machine`,
        registration(PB, MB, 999_999, { active: false }),
      ],
      [
        "ref_machine at the registry level under its own id",
        `hr/v1/${PA}/registry/${MA}/ref_machine`,
        registration(PA, MB, 999_999, { sourceId: MA }),
      ],
      ["ref_item as the registry", `hr/v1/${PA}/registry/${REG}/ref_item`, refItem(REG, 999_999)],
      [
        "ref_item as the programme's registry",
        `hr/v1/programme/registry/${REG}/ref_item`,
        refItem(REG, 999_999, "programme"),
      ],
      [
        "census as the census office",
        `hr/v1/${PA}/census_office/${CENSUS}/census`,
        census(CENSUS, 999_999, 99_999),
      ],
      [
        "census at the census level under its own id",
        `hr/v1/${PA}/census_office/${MA}/census`,
        census(MA, 999_999, 99_999),
      ],
      ["oat as the health unit", `hr/v1/${PA}/health_unit/${HEALTH}/oat`, oat(HEALTH, 999_999)],
      ["oat at the health level under its own id", `hr/v1/${PA}/health_unit/${MA}/oat`, oat(MA, 999_999)],
      ["a kind under the outreach level", `hr/v1/${PA}/outreach/${MA}/census`, census(MA, 999_998, 99_999)],
      ["a kind under the operator level", `hr/v1/${PA}/operator/${MA}/heartbeat`, heartbeat(PA, MA, 999_997)],
      ["the old topic shape", `hr/v1/${PA}/${MA}/census`, census(MA, 999_996, 99_999)],
    ];
    const codes = await Promise.all(attacks.map(([, t, e]) => publishCode(a5, t, json(e))));
    expect(Object.fromEntries(attacks.map(([what], i) => [what, codes[i]]))).toEqual(
      Object.fromEntries(attacks.map(([what]) => [what, 135])),
    );
    // A machine speaks MQTT 3.1.1, where a refused publish is acknowledged and dropped: the same
    // attacks get PUBACKs and still nothing enters.
    // Its own legitimate heartbeat goes through, after the attacks, on the same connection.
    expect(await publishCode(a5, `hr/v1/${PA}/machine/${MA}/heartbeat`, json(heartbeat(PA, MA, 1)))).toBe(0);
    expectLegit(MA, "heartbeat", PA);
    await end(a5);
    const a4 = await connect(MA, "pa", 4);
    for (const [, t, e] of attacks) expect(await publishCode(a4, t, json(e))).toBe(0);
    await end(a4);
    await settled(0);
    // No figure moved: the census the recorder holds for PA is the office's 221, machine B is
    // still registered (its heartbeats are stored below and in the next tests).
    const populations = await sql<{ p: number }>`
      SELECT (payload->>'population')::int AS p FROM ingest.raw_event WHERE kind = 'census'`.execute(tdb.db);
    expect(populations.rows.map((r) => r.p)).toEqual([221]);
    const b = await connect(MB, "pb", 4);
    expect(await publishCode(b, `hr/v1/${PB}/machine/${MB}/heartbeat`, json(heartbeat(PB, MB, 1)))).toBe(0);
    expectLegit(MB, "heartbeat", PB);
    await end(b);
    await settled(0);
  });

  it("refuses machine kinds from offices and each office's kinds from every other office", async () => {
    const census5 = await connect(CENSUS, "census", 5);
    const health5 = await connect(HEALTH, "health", 5);
    const reg5 = await connect(REG, "reg", 5);
    const attacks: [string, MqttClient, string, HrEvent][] = [
      [
        "census office: dispense at its level",
        census5,
        `hr/v1/${PA}/census_office/${CENSUS}/dispense`,
        { ...EXAMPLES.dispense, prisonId: PA, machineId: CENSUS, seq: 5, deviceTime: at(5) } as HrEvent,
      ],
      [
        "census office: heartbeat as machine A",
        census5,
        `hr/v1/${PA}/machine/${MA}/heartbeat`,
        heartbeat(PA, MA, 999_001),
      ],
      [
        "census office: heartbeat at the machine level under its id",
        census5,
        `hr/v1/${PA}/machine/${CENSUS}/heartbeat`,
        heartbeat(PA, CENSUS, 1),
      ],
      ["census office: oat at its level", census5, `hr/v1/${PA}/census_office/${CENSUS}/oat`, oat(CENSUS, 2)],
      [
        "census office: oat as the health unit",
        census5,
        `hr/v1/${PA}/health_unit/${HEALTH}/oat`,
        oat(HEALTH, 999_002),
      ],
      [
        "census office: oat at the health level under its id",
        census5,
        `hr/v1/${PA}/health_unit/${CENSUS}/oat`,
        oat(CENSUS, 3),
      ],
      [
        "census office: ref_machine as the registry",
        census5,
        `hr/v1/${PB}/registry/${REG}/ref_machine`,
        registration(PB, MB, 999_003, { active: false }),
      ],
      [
        "census office: another prison's census",
        census5,
        `hr/v1/${PB}/census_office/${CENSUS}/census`,
        census(CENSUS, 4, 99_999, PB),
      ],
      [
        "health unit: census",
        health5,
        `hr/v1/${PA}/census_office/${HEALTH}/census`,
        census(HEALTH, 2, 99_999),
      ],
      [
        "health unit: census as the census office",
        health5,
        `hr/v1/${PA}/census_office/${CENSUS}/census`,
        census(CENSUS, 999_004, 99_999),
      ],
      [
        "health unit: dispense_refused as machine A",
        health5,
        `hr/v1/${PA}/machine/${MA}/dispense_refused`,
        {
          ...EXAMPLES.dispense_refused,
          prisonId: PA,
          machineId: MA,
          seq: 999_005,
          deviceTime: at(6),
        } as HrEvent,
      ],
      ["health unit: ref_item", health5, `hr/v1/${PA}/registry/${HEALTH}/ref_item`, refItem(HEALTH, 3)],
      ["registry: census", reg5, `hr/v1/${PA}/census_office/${REG}/census`, census(REG, 10, 99_999)],
      ["registry: oat", reg5, `hr/v1/${PA}/health_unit/${REG}/oat`, oat(REG, 11)],
      [
        "registry: heartbeat as machine B",
        reg5,
        `hr/v1/${PB}/machine/${MB}/heartbeat`,
        heartbeat(PB, MB, 999_006),
      ],
    ];
    const codes = await Promise.all(attacks.map(([, c, t, e]) => publishCode(c, t, json(e))));
    expect(Object.fromEntries(attacks.map(([what], i) => [what, codes[i]]))).toEqual(
      Object.fromEntries(attacks.map(([what]) => [what, 135])),
    );
    await end(census5, health5, reg5);
    await settled(0);
  });

  it("refuses every subscription of a machine or office, including the gateway's $share group, and loses none of another machine's 40 acknowledged heartbeats", async () => {
    const filters = [
      "#",
      "hr/v1/#",
      "$share/ingest/hr/v1/#",
      `$share/${GROUP}/hr/v1/#`,
      `$share/${GROUP}/hr/v1/${PB}/#`,
      `$share/${GROUP}/hr/v1/${PA}/#`,
      "$SYS/#",
      `hr/v1/${PA}/machine/${MA}/heartbeat`,
      `hr/v1/${PA}/machine/${MA}/#`,
      `hr/v1/${PB}/machine/${MB}/heartbeat`,
    ];
    const received: string[] = [];
    const a5 = await connect(MA, "pa", 5);
    a5.on("message", (t) => received.push(t));
    for (const f of filters) expect([f, await subscribeCodes(a5, f)]).toEqual([f, [135]]);
    await end(a5);
    const a4 = await connect(MA, "pa", 4);
    const census4 = await connect(CENSUS, "census", 4);
    const reg4 = await connect(REG, "reg", 4);
    for (const c of [a4, census4, reg4]) c.on("message", (t) => received.push(t));
    for (const f of filters) {
      expect([f, await subscribeCodes(a4, f)]).toEqual([f, [128]]);
      expect([f, await subscribeCodes(census4, f)]).toEqual([f, [128]]);
      expect([f, await subscribeCodes(reg4, f)]).toEqual([f, [128]]);
    }
    // Machine B publishes 40 heartbeats while A keeps asking for the gateway's share group.
    const b = await connect(MB, "pb", 4);
    const acks: Promise<number>[] = [];
    const first = 100;
    for (let i = 0; i < 40; i++) {
      acks.push(publishCode(b, `hr/v1/${PB}/machine/${MB}/heartbeat`, json(heartbeat(PB, MB, first + i))));
      if (i % 10 === 0) void subscribeCodes(a4, `$share/${GROUP}/hr/v1/#`);
    }
    expect(await Promise.all(acks)).toEqual(Array(40).fill(0));
    expectLegit(MB, "heartbeat", PB, 40);
    await settled(0);
    const seqs = ((await heartbeatSeqs(tdb.db)).get(MB) ?? []).filter((s) => s >= first);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => first + i));
    expect(received).toEqual([]);
    expect(a4.connected).toBe(true);
    await end(a4, census4, reg4, b);
  });

  it("refuses a machine taking over another client's session (a gateway's, machine B's) by its client id, and loses none of B's heartbeats", async () => {
    // Mosquitto gives a client id's persistent session (subscriptions, queue) to whoever connects
    // with it next, whatever the username: each source account is bound to its own client id.
    const gatewayIds = ["a", "b"].flatMap((g) => [0, 1].map((n) => `hrvend-gw-${iso.tag}-${g}-${n}`));
    for (const id of [...gatewayIds, MB, REG, CENSUS, `${MA}-2`]) {
      const refused = await mqtt
        .connectAsync(iso.servers.mqttUrl, {
          username: MA,
          password: "pa",
          clientId: id,
          clean: false,
          protocolVersion: 5,
          reconnectPeriod: 0,
        })
        .then(
          async (c) => {
            await c.endAsync();
            return "connected";
          },
          (e: { code?: number }) => e.code,
        );
      expect([id, refused]).toEqual([id, 135]);
    }
    // The gateways' sessions are intact: B's next 40 heartbeats are all stored.
    const b = await connect(MB, "pb", 4);
    const acks = Array.from({ length: 40 }, (_, i) =>
      publishCode(b, `hr/v1/${PB}/machine/${MB}/heartbeat`, json(heartbeat(PB, MB, 200 + i))),
    );
    expect(await Promise.all(acks)).toEqual(Array(40).fill(0));
    expectLegit(MB, "heartbeat", PB, 40);
    await end(b);
    await settled(0);
  });

  it("refuses a machine impersonating another prison's machine, in the topic (broker) or in the payload (gateway, with its reason)", async () => {
    const a5 = await connect(MA, "pa", 5);
    expect(await publishCode(a5, `hr/v1/${PB}/machine/${MB}/heartbeat`, json(heartbeat(PB, MB, 2)))).toBe(
      135,
    );
    expect(await publishCode(a5, `hr/v1/${PB}/machine/${MA}/heartbeat`, json(heartbeat(PB, MA, 2)))).toBe(
      135,
    );
    // On its own topic the broker lets it through; the gateway compares topic and payload.
    const own = `hr/v1/${PA}/machine/${MA}/heartbeat`;
    expect(await publishCode(a5, own, json(heartbeat(PB, MB, 3)))).toBe(0);
    expect(await publishCode(a5, own, json(heartbeat(PB, MA, 4)))).toBe(0);
    expect(await publishCode(a5, own, json(heartbeat(PA, MB, 5)))).toBe(0);
    base = 3;
    await end(a5);
    await settled(3);
    const letters = await deadLetters();
    expect(letters.map((l) => [l.reason, l.topic])).toEqual(Array(3).fill(["topic_mismatch", own]));
    // The reason names what differs and the topic's values (the payload's are never quoted).
    expect(letters.map((l) => l.message).sort()).toEqual(
      [
        `prisonId in the payload differs from the topic's '${PA}'; sourceId in the payload differs from the topic's '${MA}'`,
        `prisonId in the payload differs from the topic's '${PA}'`,
        `sourceId in the payload differs from the topic's '${MA}'`,
      ]
        .map((m) => `payload does not match its topic: ${m}`)
        .sort(),
    );
  });

  it("when the broker's ACL is too broad, the gateway still refuses each cross-source kind with wrong_source_type and its reason, and nothing enters", async () => {
    const loose = await connect(`${iso.tag}-loose`, "loose", 4);
    const cases: [string, HrEvent, string][] = [
      // The grammar: a kind under a type level that is not its own.
      [
        `hr/v1/${PA}/machine/${MA}/census`,
        census(MA, 999_100, 99_999),
        "only a census_office source may publish census",
      ],
      [
        `hr/v1/${PA}/machine/${MA}/ref_item`,
        refItem(MA, 999_101),
        "only a registry source may publish ref_item",
      ],
      [
        `hr/v1/${PA}/census_office/${CENSUS}/oat`,
        oat(CENSUS, 999_102),
        "only a health_unit source may publish oat",
      ],
      [
        `hr/v1/${PA}/health_unit/${HEALTH}/heartbeat`,
        heartbeat(PA, HEALTH, 999_103),
        "only a machine source may publish heartbeat",
      ],
      // Source identity: an office kind from an id the registry knows as a machine.
      [
        `hr/v1/${PA}/census_office/${MA}/census`,
        census(MA, 999_104, 99_999),
        `source '${MA}' is a registered machine`,
      ],
      [`hr/v1/${PA}/health_unit/${MA}/oat`, oat(MA, 999_105), `source '${MA}' is a registered machine`],
      [
        `hr/v1/${PA}/registry/${MA}/ref_machine`,
        registration(PA, MB, 999_106, { sourceId: MA }),
        `source '${MA}' is a registered machine`,
      ],
      // Ordering per source: another registry source cannot move or retire B, whatever its seq.
      [
        `hr/v1/${PB}/registry/${iso.tag}-rogue/ref_machine`,
        registration(PB, MB, 999_107, { sourceId: `${iso.tag}-rogue`, active: false }),
        `registered by registry source '${REG}'; a ref_machine from source '${iso.tag}-rogue' cannot change it`,
      ],
    ];
    for (const [t, e] of cases) expect(await publishCode(loose, t, json(e))).toBe(0);
    await settled(base + cases.length);
    const letters = (await deadLetters()).filter((l) => l.reason !== "topic_mismatch");
    expect(letters).toHaveLength(cases.length);
    for (const [t, , says] of cases) {
      const l = letters.find((x) => x.topic === t);
      expect([t, l?.reason]).toEqual([t, "wrong_source_type"]);
      expect(l?.message).toContain(says);
    }
    // B is still registered in its prison: its next heartbeat is stored, not unknown_machine.
    const b = await connect(MB, "pb", 4);
    expect(await publishCode(b, `hr/v1/${PB}/machine/${MB}/heartbeat`, json(heartbeat(PB, MB, 500)))).toBe(0);
    expectLegit(MB, "heartbeat", PB);
    await end(b, loose);
    await settled(base + cases.length);
  });
});

describe("reference data is ordered per source in the stores (a second layer behind the broker and the gateway)", () => {
  it("given the registry's prison, machine and item, when another source sends them with far higher seqs (alone or mixed into a batch), then nothing changes; the registry's own later seqs still apply", async () => {
    const PC = iso.prison("pc");
    const MC = `${iso.tag}-mc`;
    const KIT = `${iso.tag}-kit`;
    const ROGUE = `${iso.tag}-rogue`;
    const prison = (sourceId: string, seq: number, capacity: number, injectingPrevalence: number) =>
      ({ ...refPrison(sourceId, seq, PC), capacity, injectingPrevalence }) as HrEvent;
    const machine = (sourceId: string, seq: number, prisonId: string, active: boolean) =>
      registration(prisonId, MC, seq, { sourceId, active, location: `${sourceId}-${seq}` });
    const item = (sourceId: string, seq: number, syringesPerUnit: number) =>
      ({ ...refItem(sourceId, seq, PC), itemId: KIT, syringesPerUnit }) as HrEvent;
    let pos = 0;
    const apply = async (events: HrEvent[]) => {
      await applyCoverage(tdb.db, events, null);
      pos++;
      await applyReorder(tdb.db, batchChanges(events), {
        consumer: `${iso.tag}-reorder`,
        stream: "S",
        seq: pos,
      });
    };
    const read = async () => {
      const r = await sql<Record<string, unknown>>`
        SELECT
          (SELECT injecting_prevalence FROM coverage.prison WHERE prison_id = ${PC}) AS cov_prevalence,
          (SELECT ref_source FROM coverage.prison WHERE prison_id = ${PC}) AS cov_prison_source,
          (SELECT syringes_per_unit FROM coverage.item WHERE item_id = ${KIT}) AS syringes_per_kit,
          (SELECT capacity FROM reorder.prison WHERE prison_id = ${PC}) AS reorder_capacity,
          (SELECT prison_id || '/' || active || '/' || location FROM reorder.machine WHERE machine_id = ${MC}) AS machine`.execute(
        tdb.db,
      );
      return r.rows[0];
    };

    await apply([prison(REG, 1, 500, 0.2), machine(REG, 2, PC, true), item(REG, 3, 10)]);
    const registered = {
      cov_prevalence: 0.2,
      cov_prison_source: REG,
      syringes_per_kit: 10,
      reorder_capacity: 500,
      machine: `${PC}/true/${REG}-2`,
    };
    expect(await read()).toEqual(registered);

    // Another source, alone: far higher seqs, another prison for the machine, 100 syringes per kit.
    await apply([
      prison(ROGUE, 1_000, 9_999, 0.9),
      machine(ROGUE, 1_001, PB, false),
      item(ROGUE, 1_002, 100),
    ]);
    expect(await read()).toEqual(registered);

    // Mixed into one batch with the registry's own update (whose seqs are far lower than the
    // rogue's): the registry's applies, the rogue's does not.
    await apply([
      prison(ROGUE, 2_000, 9_999, 0.9),
      prison(REG, 4, 600, 0.25),
      machine(ROGUE, 2_001, PB, false),
      machine(REG, 5, PC, true),
      item(ROGUE, 2_002, 100),
      item(REG, 6, 12),
    ]);
    expect(await read()).toEqual({
      cov_prevalence: 0.25,
      cov_prison_source: REG,
      syringes_per_kit: 12,
      reorder_capacity: 600,
      machine: `${PC}/true/${REG}-5`,
    });

    // The registry's own older seq (a redelivery out of order) changes nothing either.
    await apply([prison(REG, 3, 1, 0.01), item(REG, 1, 1)]);
    expect(await read()).toMatchObject({ cov_prevalence: 0.25, syringes_per_kit: 12, reorder_capacity: 600 });
  });
});
