import { createHmac } from "node:crypto";
import { recorderDb } from "@hrvend/recorder";
import { deviceUser } from "@hrvend/runtime";
import { createDb } from "@hrvend/runtime/db";
import {
  addressOf,
  type Dispense,
  eventKey,
  type HrEvent,
  mqttTopic,
  natsSubject,
  parseEventBytes,
  parseMqttTopic,
} from "@hrvend/schemas";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { sql } from "kysely";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { isolate, mqttAccounts, type TestDatabase, testDatabase } from "../support/isolate";

const iso = isolate("foundation");
const prisonId = iso.prison("p1");
const machineId = `${iso.tag}-m1`;
const otherMachine = `${iso.tag}-m2`;
let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await testDatabase(iso);
  await mqttAccounts(iso, [
    deviceUser(prisonId, machineId, "pw-m1"),
    deviceUser(prisonId, otherMachine, "pw-m2"),
    { username: `${iso.tag}-gw`, password: "pw-gw", subscribe: [`hr/v1/${prisonId}/#`] },
  ]);
});
afterAll(async () => tdb?.close());

function dispense(seq: number, machine = machineId): z.input<typeof Dispense> {
  return {
    v: 1,
    kind: "dispense",
    prisonId,
    machineId: machine,
    seq,
    deviceTime: new Date(Date.UTC(2026, 10, 1, 8, 0, seq)).toISOString(),
    slotId: "s1",
    itemId: "syringe-kit",
    cardToken: createHmac("sha256", "test-key").update(`uid-${seq}`).digest("base64url").slice(0, 22),
    quantity: 1,
    stockAfter: 40 - seq,
  };
}

function mqttClient(username: string, password: string, clientId: string) {
  return mqtt.connectAsync(iso.servers.mqttUrl, {
    username,
    password,
    clientId,
    clean: false,
    protocolVersion: 4,
  });
}

describe("the foundation stack", () => {
  it("carries events over MQTT through mosquitto into a JetStream stream and back, and enforces device ACLs", async () => {
    const nc = await natsConnect({ servers: iso.servers.natsUrl });
    const jsm = await jetstreamManager(nc);
    const stream = iso.stream("events");
    await jsm.streams.add({
      name: stream,
      subjects: [`hr.v1.${prisonId}.>`],
      duplicate_window: 120_000_000_000,
    });
    const js = jetstream(nc);

    // A minimal bridge, as the gateway will be: MQTT in, validate, JetStream out with the key.
    const bridge = await mqttClient(`${iso.tag}-gw`, "pw-gw", `${iso.tag}-bridge`);
    const forwarded: Promise<unknown>[] = [];
    bridge.on("message", (topic, payload) => {
      const e = parseEventBytes(payload);
      expect(addressOf(e)).toEqual(parseMqttTopic(topic));
      forwarded.push(js.publish(natsSubject(addressOf(e)), payload, { msgID: eventKey(e) }));
    });
    await bridge.subscribeAsync(`hr/v1/${prisonId}/#`, { qos: 1 });

    const device = await mqttClient(machineId, "pw-m1", machineId);
    const sent = [1, 2, 3].map((s) => dispense(s));
    for (const e of sent)
      await device.publishAsync(mqttTopic(addressOf(e as HrEvent)), JSON.stringify(e), { qos: 1 });
    // The same event twice (a device replay): JetStream's dedup on the event key drops it.
    await device.publishAsync(mqttTopic(addressOf(sent[0] as HrEvent)), JSON.stringify(sent[0]), { qos: 1 });
    // Spoofing: machine 1 publishing under machine 2's topic is refused by the broker's ACL.
    const spoof = dispense(9, otherMachine);
    await device.publishAsync(mqttTopic(addressOf(spoof as HrEvent)), JSON.stringify(spoof), { qos: 1 });

    await expect.poll(() => forwarded.length, { timeout: 10_000 }).toBe(4);
    await Promise.all(forwarded);
    const info = await jsm.streams.info(stream);
    expect(info.state.messages).toBe(3);

    await jsm.consumers.add(stream, { durable_name: "reader", ack_policy: AckPolicy.Explicit });
    const consumer = await js.consumers.get(stream, "reader");
    const received: HrEvent[] = [];
    for (let i = 0; i < 3; i++) {
      const m = await consumer.next({ expires: 5_000 });
      expect(m).not.toBeNull();
      expect(m?.headers?.get("Nats-Msg-Id")).toBe(`${machineId}:${i + 1}`);
      received.push(parseEventBytes(m!.data));
      m!.ack();
    }
    expect(received).toEqual(sent);
    expect(await consumer.next({ expires: 1_000 })).toBeNull();

    await device.endAsync();
    await bridge.endAsync();
    await nc.drain();
  });

  it("stores raw events in a hypertable, idempotently on the event key", async () => {
    const events = [1, 2, 3].map((s) => dispense(s) as HrEvent);
    const rows = events.map((e) => ({
      event_time: (e as { deviceTime: string }).deviceTime,
      event_key: eventKey(e),
      prison_id: e.prisonId,
      source_id: machineId,
      seq: e.seq,
      kind: e.kind,
      payload: JSON.stringify(e),
    }));
    const insert = () =>
      recorderDb(tdb.db)
        .insertInto("ingest.raw_event")
        .values(rows)
        .onConflict((oc) => oc.doNothing())
        .execute();
    await insert();
    await insert();
    const stored = await recorderDb(tdb.db)
      .selectFrom("ingest.raw_event")
      .select(["event_key", "seq"])
      .where("prison_id", "=", prisonId)
      .orderBy("seq")
      .execute();
    expect(stored).toEqual([
      { event_key: `${machineId}:1`, seq: "1" },
      { event_key: `${machineId}:2`, seq: "2" },
      { event_key: `${machineId}:3`, seq: "3" },
    ]);
    const hyper = await sql<{ hypertable_name: string; num_chunks: number }>`
      SELECT hypertable_name, num_chunks FROM timescaledb_information.hypertables
      WHERE hypertable_schema = 'ingest' ORDER BY hypertable_name`.execute(tdb.db);
    expect(hyper.rows.map((r) => r.hypertable_name)).toEqual([
      "dead_letter",
      "heartbeat_hourly",
      "machine_health_interval",
      "raw_event",
    ]);
    expect(Number(hyper.rows.find((r) => r.hypertable_name === "raw_event")?.num_chunks)).toBe(1);
    const hourly = await sql<{ events: string }>`
      SELECT events FROM reporting.ingest_hourly WHERE prison_id = ${prisonId}`.execute(tdb.db);
    expect(hourly.rows).toEqual([{ events: "3" }]);
  });

  it("gives reporting roles only their views: no raw event, no card token", async () => {
    const grafana = createDb(tdb.roleUrl("hrvend_operator"), { max: 1 });
    const funder = createDb(tdb.roleUrl("hrvend_funder"), { max: 1 });
    const writer = createDb(tdb.roleUrl("hrvend_writer"), { max: 1 });
    try {
      await expect(sql`SELECT payload FROM ingest.raw_event`.execute(grafana)).rejects.toThrow(
        /permission denied/,
      );
      await expect(sql`SELECT * FROM ingest.dead_letter`.execute(grafana)).rejects.toThrow(
        /permission denied/,
      );
      await expect(
        sql`SELECT * FROM reporting.pipeline_counts(now() - interval '1 day', now(), interval '1 hour')`.execute(
          grafana,
        ),
      ).resolves.toBeDefined();
      await expect(sql`SELECT * FROM reporting.ingest_hourly`.execute(grafana)).rejects.toThrow(
        /permission denied/,
      );
      await expect(sql`SELECT * FROM reporting.ingest_hourly`.execute(funder)).rejects.toThrow(
        /permission denied/,
      );
      await expect(sql`SELECT payload FROM ingest.raw_event`.execute(funder)).rejects.toThrow(
        /permission denied/,
      );
      await expect(sql`SELECT count(*) FROM ingest.raw_event`.execute(writer)).resolves.toBeDefined();
      // No column of any view the reporting roles can read is a token or a payload.
      const cols = await sql<{ column_name: string }>`
        SELECT c.column_name FROM information_schema.columns c
        WHERE c.table_schema IN ('reporting', 'funder')`.execute(tdb.db);
      expect(cols.rows.length).toBeGreaterThan(0);
      for (const { column_name } of cols.rows)
        expect(column_name).not.toMatch(/token|^payload$|excerpt|uid/i);
    } finally {
      await Promise.all([grafana.destroy(), funder.destroy(), writer.destroy()]);
    }
  });
});
