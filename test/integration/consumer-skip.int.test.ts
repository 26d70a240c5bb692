import { ensureStreams } from "@hrvend/runtime/nats";
import { EXAMPLES } from "@hrvend/schemas";
import { type JetStreamClient, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { type NatsConnection, connect as natsConnect } from "@nats-io/transport-node";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";
import { type ServiceProcess, startService } from "../support/services";

/**
 * Coverage leaves the kinds it does not use undecoded, by the subject's kind token, and reorder
 * reads a heartbeat's time from its bytes (issue #20): these try to break that. Events are
 * published straight into a stream of this file's own; both services consume it in small batches.
 */
const iso = isolate("consumerskip");
const P = iso.prison("a");
const M = `${P}-m1`;
const REG = `${iso.tag}-registry`;
const T0 = Date.parse("2026-03-02T08:00:00Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const stream = iso.stream("events");
const cleanup: (() => Promise<unknown>)[] = [];
let tdb: TestDatabase;
let nc: NatsConnection;
let js: JetStreamClient;
const running = new Map<string, ServiceProcess>();

afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
});

interface Msg {
  subject: string;
  key: string;
  text: string;
}
let machineSeq = 0;
const heartbeat = (): Msg => {
  const seq = ++machineSeq;
  return {
    subject: `hr.v1.${P}.${M}.heartbeat`,
    key: `${M}:${seq}`,
    text: JSON.stringify({ ...EXAMPLES.heartbeat, prisonId: P, machineId: M, seq, deviceTime: at(seq) }),
  };
};
const heartbeats = (n: number) => Array.from({ length: n }, heartbeat);
let registrySeq = 0;
const registry = (kind: "ref_prison" | "ref_item" | "ref_machine", over: Record<string, unknown>): Msg => {
  const seq = ++registrySeq;
  return {
    subject: `hr.v1.${P}.${REG}.${kind}`,
    key: `${REG}:${seq}`,
    text: JSON.stringify({
      ...EXAMPLES[kind],
      prisonId: P,
      sourceId: REG,
      seq,
      time: at(-10 + seq),
      ...over,
    }),
  };
};

async function publish(msgs: Msg[]): Promise<number> {
  let last = 0;
  for (const m of msgs) last = (await js.publish(m.subject, m.text, { msgID: m.key })).seq;
  return last;
}
async function position(consumer: string): Promise<number> {
  const r = await sql<{ s: string }>`
    SELECT stream_seq AS s FROM ingest.stream_position WHERE consumer = ${consumer}`.execute(tdb.db);
  return Number(r.rows[0]?.s ?? 0);
}
const n = async (q: ReturnType<typeof sql<{ n: number }>>) => (await q.execute(tdb.db)).rows[0]?.n;
const consumerOf = (service: string) => `${service}-${iso.tag}`;

async function start(service: "coverage" | "reorder"): Promise<ServiceProcess> {
  const s = await startService(
    service,
    {
      NATS_URL: iso.servers.natsUrl,
      DATABASE_URL: tdb.roleUrl("hrvend_writer"),
      EVENTS_STREAM: stream,
      CONSUMER: consumerOf(service),
      METRICS_PORT: "0",
      // Small batches: a batch of heartbeats alone, and a kill between batches.
      BATCH_SIZE: "100",
      BATCH_WAIT_MS: "20",
      MAX_TRIES: "2",
    },
    `${iso.tag}-${service}`,
  );
  running.set(service, s);
  return s;
}
const SERVICES = ["coverage", "reorder"] as const;

beforeAll(async () => {
  tdb = await testDatabase(iso);
  cleanup.push(() => tdb.close());
  nc = await natsConnect({ servers: iso.servers.natsUrl });
  cleanup.push(() => nc.close());
  js = jetstream(nc);
  await ensureStreams(await jetstreamManager(nc), {
    events: stream,
    eventSubjects: [`hr.v1.${P}.>`],
    dead: iso.stream("dead"),
    deadPrefix: `hr.dead.${iso.tag}`,
  });
  cleanup.push(async () => {
    for (const s of running.values()) await s.kill("SIGTERM");
  });
  for (const s of SERVICES) await start(s);
}, 120_000);

describe("consumers that skip heartbeats", () => {
  it("given a stream of heartbeats only, then each consumer's position reaches its head, coverage stores nothing, and reorder's prison time is the latest heartbeat's", {
    timeout: 120_000,
  }, async () => {
    const last = await publish(heartbeats(2_000));
    for (const s of SERVICES)
      await expect.poll(() => position(consumerOf(s)), { timeout: 60_000, interval: 100 }).toBe(last);
    expect(await n(sql`SELECT count(*)::int AS n FROM coverage.dispense`)).toBe(0);
    expect(await n(sql`SELECT count(*)::int AS n FROM coverage.pending`)).toBe(0);
    const prison = await sql<{ t: Date }>`
      SELECT last_event_at AS t FROM reorder.prison WHERE prison_id = ${P}`.execute(tdb.db);
    expect(prison.rows[0]?.t.toISOString()).toBe(at(machineSeq));
  });

  it("given one dispense among thousands of heartbeats and both consumers SIGKILLed before and after it, then it is applied exactly once", {
    timeout: 180_000,
  }, async () => {
    // Stopped while the events are published, so each run starts behind them.
    for (const s of SERVICES) await running.get(s)?.kill("SIGTERM");
    await publish([
      registry("ref_prison", {}),
      registry("ref_item", {
        itemId: "syringe-kit",
        category: "syringe_kit",
        syringesPerUnit: 1,
        tracksLots: false,
      }),
      registry("ref_machine", { machineId: M }),
    ]);
    await publish(heartbeats(3_000));
    const dseq = ++machineSeq;
    const key = `${M}:${dseq}`;
    const dispenseAt = await publish([
      {
        subject: `hr.v1.${P}.${M}.dispense`,
        key,
        text: JSON.stringify({
          ...EXAMPLES.dispense,
          prisonId: P,
          machineId: M,
          seq: dseq,
          deviceTime: at(dseq),
          itemId: "syringe-kit",
          quantity: 3,
          stockAfter: 50,
        }),
      },
    ]);
    const last = await publish(heartbeats(3_000));
    const killedAt: Record<string, number[]> = {};
    for (const s of SERVICES) {
      await start(s);
      killedAt[s] = [];
      // Once somewhere before the dispense, once at or after it (the batch holding it committed,
      // perhaps not yet acknowledged): each start resumes from the committed position.
      for (const before of [true, false]) {
        const pos = await expect
          .poll(() => position(consumerOf(s)), { timeout: 60_000, interval: 5 })
          .toSatisfy((p: number) => (before ? p > 0 : p >= dispenseAt))
          .then(() => position(consumerOf(s)));
        await running.get(s)?.kill("SIGKILL");
        killedAt[s]?.push(pos);
        await start(s);
      }
    }
    console.log(`dispense at stream seq ${dispenseAt} of ${last}; SIGKILLed at ${JSON.stringify(killedAt)}`);
    for (const s of SERVICES)
      await expect.poll(() => position(consumerOf(s)), { timeout: 60_000, interval: 100 }).toBe(last);
    expect(await n(sql`SELECT count(*)::int AS n FROM coverage.dispense WHERE event_key = ${key}`)).toBe(1);
    expect(
      await n(sql`SELECT sum(quantity)::int AS n FROM coverage.dispense_day WHERE prison_id = ${P}`),
    ).toBe(3);
    expect(
      await n(sql`SELECT sum(dispenses)::int AS n FROM coverage.dispense_day WHERE prison_id = ${P}`),
    ).toBe(1);
    expect(await n(sql`SELECT count(*)::int AS n FROM reorder.level_change WHERE event_key = ${key}`)).toBe(
      1,
    );
    expect(
      await n(sql`SELECT sum(quantity)::int AS n FROM reorder.dispense_daily WHERE prison_id = ${P}`),
    ).toBe(3);
    const prison = await sql<{ t: Date }>`
      SELECT last_event_at AS t FROM reorder.prison WHERE prison_id = ${P}`.execute(tdb.db);
    expect(prison.rows[0]?.t.toISOString()).toBe(at(machineSeq));
  });

  it("given a heartbeat that is not JSON (bypassing the gateway), then coverage, which never reads heartbeats, moves past it, and reorder parks it as before", {
    timeout: 120_000,
  }, async () => {
    const seq = ++machineSeq;
    const bad = await publish([
      { subject: `hr.v1.${P}.${M}.heartbeat`, key: `${M}:${seq}`, text: "not json" },
    ]);
    const last = await publish(heartbeats(10));
    for (const s of SERVICES)
      await expect.poll(() => position(consumerOf(s)), { timeout: 60_000, interval: 100 }).toBe(last);
    const parked = await sql<{ consumer: string; verdict: string; error_class: string }>`
      SELECT consumer, verdict, error_class FROM ops.parked_message WHERE stream = ${stream} AND stream_seq = ${bad}`.execute(
      tdb.db,
    );
    expect(parked.rows).toEqual([
      { consumer: consumerOf("reorder"), verdict: "poison", error_class: "json" },
    ]);
  });
});
