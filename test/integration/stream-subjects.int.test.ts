import { ensureStreams } from "@hrvend/runtime/nats";
import { EVENT_KINDS } from "@hrvend/schemas";
import { jetstreamManager } from "@nats-io/jetstream";
import { type NatsConnection, connect as natsConnect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolate } from "../support/isolate";

const iso = isolate("streamsubj");
const P = iso.prison("p1");
let nc: NatsConnection;
beforeAll(async () => {
  nc = await natsConnect({ servers: iso.servers.natsUrl });
});
afterAll(async () => {
  await nc?.close();
});

describe("the gateway's events stream follows the contract's kinds", () => {
  it("given a stream created before alert_ack existed, when the gateway starts, then the new kind's subject is added and its events are stored; nothing else changes", async () => {
    const jsm = await jetstreamManager(nc);
    const subjects = EVENT_KINDS.map((k) => `hr.v1.${P}.*.${k}`);
    const old = subjects.filter((s) => !s.endsWith(".alert_ack"));
    const names = {
      events: iso.stream("events"),
      eventSubjects: old,
      dead: iso.stream("dead"),
      deadPrefix: `hr.dead.${iso.tag}`,
    };
    await ensureStreams(jsm, names);
    const js = jsm.jetstream();
    await expect(js.publish(`hr.v1.${P}.ops.alert_ack`, "{}")).rejects.toThrow();
    // Another service (not the subjects' owner) changes nothing.
    await ensureStreams(jsm, { ...names, eventSubjects: subjects });
    expect((await jsm.streams.info(names.events)).config.subjects).toEqual(old);
    await ensureStreams(jsm, { ...names, eventSubjects: subjects, addMissingEventSubjects: true });
    expect((await jsm.streams.info(names.events)).config.subjects).toEqual(subjects);
    const ack = await js.publish(`hr.v1.${P}.ops.alert_ack`, "{}");
    expect(ack.stream).toBe(names.events);
    // Subjects that are not a superset (a PARTITIONS change needs a new stream): left alone.
    await ensureStreams(jsm, {
      ...names,
      eventSubjects: [`hr.v1.${P}.*.*.*`],
      addMissingEventSubjects: true,
    });
    expect((await jsm.streams.info(names.events)).config.subjects).toEqual(subjects);
    await jsm.streams.delete(names.events);
    await jsm.streams.delete(names.dead);
  });
});
