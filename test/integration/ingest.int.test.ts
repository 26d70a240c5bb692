import { freePort } from "@hrvend/local-stack";
import { recorderDb } from "@hrvend/recorder";
import { deviceUser } from "@hrvend/runtime";
import { ensureStreams } from "@hrvend/runtime/nats";
import { addressOf, EXAMPLES, type HrEvent, mqttTopic } from "@hrvend/schemas";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { debugLetters } from "../support/config";
import { isolate, mqttAccounts, type TestDatabase, testDatabase } from "../support/isolate";
import { type ServiceProcess, startService } from "../support/services";

const iso = isolate("ingest");
const P = iso.prison("p1");
const M1 = `${iso.tag}-m1`;
const M2 = `${iso.tag}-m2`;
const streams = {
  events: iso.stream("events"),
  eventSubjects: [`hr.v1.${P}.>`],
  dead: iso.stream("dead"),
  deadPrefix: `hr.dead.${iso.tag}`,
};
let tdb: TestDatabase;
const services: ServiceProcess[] = [];
const metricsPorts: number[] = [];

const at = (s: number) => new Date(Date.now() - 3_600_000 + s * 1000).toISOString();
const dispense = (seq: number, over: Record<string, unknown> = {}) => ({
  ...EXAMPLES.dispense,
  prisonId: P,
  machineId: M1,
  seq,
  deviceTime: at(seq),
  ...over,
});
const registration = (machineId: string, seq: number) => ({
  ...EXAMPLES.ref_machine,
  prisonId: P,
  sourceId: "registry",
  seq,
  time: at(0),
  machineId,
});
const topicOf = (e: object) => mqttTopic(addressOf(e as HrEvent));
const T = `hr/v1/${P}/machine/${M1}/dispense`;

/** [name, topic, payload, expected reason] */
const corpus: [string, string, string | Buffer, string][] = [
  ["malformed JSON", T, "{bad", "malformed_json"],
  ["empty payload", T, "", "malformed_json"],
  ["invalid UTF-8", T, Buffer.from([0xff, 0xfe, 0x7b]), "malformed_json"],
  ["JSON array", T, "[]", "schema"],
  ["JSON string", T, '"hello"', "schema"],
  ["JSON null", T, "null", "schema"],
  ["quantity as a string", T, JSON.stringify(dispense(201, { quantity: "1" })), "schema"],
  ["missing cardToken", T, JSON.stringify({ ...dispense(202), cardToken: undefined }), "schema"],
  ["extra field", T, JSON.stringify(dispense(203, { uid: "04A1B2C3" })), "schema"],
  ["quantity zero", T, JSON.stringify(dispense(204, { quantity: 0 })), "schema"],
  ["impossible quantity", T, JSON.stringify(dispense(205, { quantity: 5000 })), "schema"],
  ["negative stock", T, JSON.stringify(dispense(206, { stockAfter: -1 })), "schema"],
  ["seq zero", T, JSON.stringify(dispense(0)), "schema"],
  ["negative seq", T, JSON.stringify(dispense(-5)), "schema"],
  ["fractional seq", T, JSON.stringify(dispense(1.5)), "schema"],
  ["unparseable device time", T, JSON.stringify(dispense(207, { deviceTime: "yesterday" })), "schema"],
  ["future schema version", T, JSON.stringify(dispense(208, { v: 2 })), "schema"],
  [
    "card token that looks like a raw UID",
    T,
    JSON.stringify(dispense(209, { cardToken: "04A1B2C3D4" })),
    "schema",
  ],
  ["unknown kind in the payload", T, JSON.stringify(dispense(210, { kind: "teleport" })), "unknown_kind"],
  [
    "unknown kind in the topic",
    `hr/v1/${P}/machine/${M1}/teleport`,
    JSON.stringify(dispense(211)),
    "bad_topic",
  ],
  ["too few topic levels", `hr/v1/${P}/machine/${M1}`, JSON.stringify(dispense(212)), "bad_topic"],
  ["too many topic levels", `${T}/extra`, JSON.stringify(dispense(213)), "bad_topic"],
  [
    "census at a machine's type level",
    `hr/v1/${P}/machine/${M1}/census`,
    JSON.stringify({ ...EXAMPLES.census, prisonId: P, sourceId: M1, seq: 2, time: at(2) }),
    "wrong_source_type",
  ],
  ["spoofed machine in the payload", T, JSON.stringify(dispense(214, { machineId: M2 })), "topic_mismatch"],
  [
    "other prison in the payload",
    T,
    JSON.stringify(dispense(215, { prisonId: iso.prison("p9") })),
    "topic_mismatch",
  ],
  [
    "heartbeat on the dispense topic",
    T,
    JSON.stringify({ ...EXAMPLES.heartbeat, prisonId: P, machineId: M1, seq: 216, deviceTime: at(216) }),
    "topic_mismatch",
  ],
  [
    "device clock a day ahead",
    T,
    JSON.stringify(dispense(217, { deviceTime: new Date(Date.now() + 86_400_000).toISOString() })),
    "future_clock",
  ],
  [
    "unregistered machine",
    `hr/v1/${P}/machine/${iso.tag}-m9/dispense`,
    JSON.stringify(dispense(218, { machineId: `${iso.tag}-m9` })),
    "unknown_machine",
  ],
  ["oversize payload", T, JSON.stringify(dispense(219, { pad: "x".repeat(20_000) })), "oversize"],
  [
    "restock lots not adding up",
    `hr/v1/${P}/machine/${M1}/restock`,
    JSON.stringify({
      ...EXAMPLES.restock,
      prisonId: P,
      machineId: M1,
      seq: 220,
      deviceTime: at(220),
      quantity: 99,
    }),
    "schema",
  ],
  [
    "impossible temperature",
    `hr/v1/${P}/machine/${M1}/heartbeat`,
    JSON.stringify({
      ...EXAMPLES.heartbeat,
      prisonId: P,
      machineId: M1,
      seq: 221,
      deviceTime: at(221),
      temperatureC: 200,
    }),
    "schema",
  ],
  [
    "dose without mg",
    `hr/v1/${P}/health_unit/${iso.tag}-health/oat`,
    JSON.stringify({
      ...EXAMPLES.oat,
      prisonId: P,
      sourceId: `${iso.tag}-health`,
      seq: 1,
      time: at(1),
      action: "dose",
      doseMg: undefined,
    }),
    "schema",
  ],
  [
    "negative population",
    `hr/v1/${P}/census_office/${iso.tag}-census/census`,
    JSON.stringify({
      ...EXAMPLES.census,
      prisonId: P,
      sourceId: `${iso.tag}-census`,
      seq: 1,
      time: at(1),
      population: -3,
    }),
    "schema",
  ],
  [
    "unknown refusal reason",
    `hr/v1/${P}/machine/${M1}/dispense_refused`,
    JSON.stringify({
      ...EXAMPLES.dispense_refused,
      prisonId: P,
      machineId: M1,
      seq: 222,
      deviceTime: at(222),
      reason: "sold_out",
    }),
    "schema",
  ],
];

beforeAll(async () => {
  tdb = await testDatabase(iso);
  const nc = await natsConnect({ servers: iso.servers.natsUrl });
  await ensureStreams(await jetstreamManager(nc), streams);
  await nc.close();
  await mqttAccounts(iso, [
    { username: `${iso.tag}-gw`, password: "gw", subscribe: [`hr/v1/${P}/#`] },
    { username: `${iso.tag}-tester`, password: "t", publish: [`hr/v1/${P}/#`] },
    deviceUser(P, M1, "m1"),
  ]);
  const common = {
    MQTT_URL: iso.servers.mqttUrl,
    MQTT_USERNAME: `${iso.tag}-gw`,
    MQTT_PASSWORD: "gw",
    MQTT_SHARE_GROUP: `ingest-${iso.tag}`,
    MQTT_FILTERS: `hr/v1/${P}/#`,
    MQTT_CONNECTIONS: "2",
    NATS_URL: iso.servers.natsUrl,
    EVENTS_STREAM: streams.events,
    EVENTS_SUBJECTS: streams.eventSubjects.join(","),
    DEAD_STREAM: streams.dead,
    DEAD_SUBJECT_PREFIX: streams.deadPrefix,
  };
  for (const id of ["a", "b"]) {
    const port = await freePort();
    metricsPorts.push(port);
    services.push(
      await startService(
        "gateway",
        { ...common, GATEWAY_ID: `${iso.tag}-${id}`, METRICS_PORT: String(port) },
        `gateway-${id}`,
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
});

afterAll(async () => {
  await Promise.all(services.map((s) => s.kill("SIGTERM")));
  await tdb?.close();
});

describe("gateway and recorder", () => {
  it("reject each bad input with its specific reason while valid traffic keeps flowing, shared by two gateways", async () => {
    const tester = await mqtt.connectAsync(iso.servers.mqttUrl, {
      username: `${iso.tag}-tester`,
      password: "t",
      clientId: `${iso.tag}-tester`,
    });
    const device = await mqtt.connectAsync(iso.servers.mqttUrl, {
      username: M1,
      password: "m1",
      clientId: M1,
      clean: false,
    });
    await tester.publishAsync(topicOf(registration(M1, 1)), JSON.stringify(registration(M1, 1)), { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    const valid = Array.from({ length: 60 }, (_, i) => dispense(i + 1));
    for (let i = 0; i < valid.length; i++) {
      await device.publishAsync(T, JSON.stringify(valid[i]), { qos: 1 });
      const bad = corpus[i];
      if (bad) await tester.publishAsync(bad[1], bad[2], { qos: 1 });
    }
    // A redelivered duplicate changes nothing; a re-used seq with other content is dead-lettered.
    await device.publishAsync(T, JSON.stringify(valid[0]), { qos: 1 });
    await device.publishAsync(T, JSON.stringify(dispense(5, { quantity: 2 })), { qos: 1 });
    await tester.endAsync();
    await device.endAsync();

    const expectedLetters = corpus.length + 1;
    if (debugLetters()) {
      await new Promise((r) => setTimeout(r, 8000));
      const l = await recorderDb(tdb.db)
        .selectFrom("ingest.dead_letter")
        .select(["reason", "topic", "message"])
        .execute();
      console.log(
        JSON.stringify(
          l.map((x) => [x.reason, x.topic, x.message.slice(0, 80)]),
          null,
          1,
        ),
      );
      console.log(
        services
          .map((s) => s.logs())
          .join("\n")
          .slice(-5000),
      );
    }
    await expect
      .poll(
        async () =>
          Number(
            (
              await recorderDb(tdb.db)
                .selectFrom("ingest.dead_letter")
                .select((e) => e.fn.countAll<string>().as("n"))
                .executeTakeFirstOrThrow()
            ).n,
          ),
        { timeout: 30_000, interval: 200 },
      )
      .toBe(expectedLetters);
    await expect
      .poll(
        async () =>
          Number(
            (
              await recorderDb(tdb.db)
                .selectFrom("ingest.raw_event")
                .select((e) => e.fn.countAll<string>().as("n"))
                .executeTakeFirstOrThrow()
            ).n,
          ),
        { timeout: 30_000, interval: 200 },
      )
      .toBe(valid.length + 1);

    const keys = await recorderDb(tdb.db)
      .selectFrom("ingest.raw_event")
      .select("event_key")
      .where("kind", "=", "dispense")
      .orderBy("seq")
      .execute();
    expect(keys.map((k) => k.event_key)).toEqual(valid.map((v) => `${M1}:${v.seq}`));

    const letters = await recorderDb(tdb.db)
      .selectFrom("ingest.dead_letter")
      .select(["reason", "message", "topic", "payload_excerpt"])
      .execute();
    for (const [name, topic, payload, reason] of corpus) {
      const excerpt = Buffer.from(payload).subarray(0, 1024);
      const found = letters.find((l) => l.topic === topic && l.payload_excerpt?.equals(excerpt));
      expect(found, `dead letter for "${name}"`).toBeDefined();
      expect(found?.reason, `reason for "${name}": ${found?.message}`).toBe(reason);
      expect(found?.message.length).toBeGreaterThan(10);
    }
    const dup = letters.find((l) => l.reason === "duplicate_seq");
    expect(dup?.message).toContain(`seq 5 of '${M1}' was already recorded with different content`);

    // Both gateway instances took part of the load.
    for (const port of metricsPorts) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const accepted = [...text.matchAll(/^hrvend_gateway_accepted_total\{kind="dispense"\} (\d+)/gm)].reduce(
        (n, m) => n + Number(m[1]),
        0,
      );
      expect(accepted).toBeGreaterThan(0);
      expect(text).toMatch(
        /hrvend_gateway_rejected_total\{reason="schema"\} \d+|hrvend_gateway_rejected_total\{reason="\w+"\} \d+/,
      );
    }
  });
});
