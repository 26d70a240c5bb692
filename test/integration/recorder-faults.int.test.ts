import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateToLatest } from "@hrvend/cli/db";
import { freePort, type ServerHandle, startPostgres } from "@hrvend/local-stack";
import { newSecret } from "@hrvend/runtime";
import {
  createDb,
  DB_ROLES,
  type DbRole,
  ensureDatabase,
  setRolePasswords,
  withCredentials,
  withDatabase,
} from "@hrvend/runtime/db";
import { ensureStreams } from "@hrvend/runtime/nats";
import { EXAMPLES } from "@hrvend/schemas";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { isolate, testDatabase } from "../support/isolate";
import { type ServiceProcess, startService } from "../support/services";

const iso = isolate("recfaults");
const P = iso.prison("p1");
const M = `${iso.tag}-m1`;
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
});

const event = (seq: number) =>
  JSON.stringify({
    ...EXAMPLES.dispense,
    prisonId: P,
    machineId: M,
    seq,
    deviceTime: new Date(1_750_000_000_000 + seq * 1000).toISOString(),
  });

async function publishRange(stream: string, subject: string, from: number, to: number) {
  const nc = await natsConnect({ servers: iso.servers.natsUrl });
  const js = jetstream(nc);
  const pending: Promise<unknown>[] = [];
  for (let s = from; s <= to; s++) {
    pending.push(js.publish(subject, event(s), { msgID: `${M}:${s}`, expect: { streamName: stream } }));
    if (pending.length >= 256) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  await nc.close();
}

async function setupStreams(name: string) {
  const streams = {
    events: iso.stream(`${name}ev`),
    eventSubjects: [`hr.v1.${iso.prison(name)}.>`],
    dead: iso.stream(`${name}dl`),
    deadPrefix: `hr.dead.${iso.tag}${name}`,
  };
  const nc = await natsConnect({ servers: iso.servers.natsUrl });
  await ensureStreams(await jetstreamManager(nc), streams);
  await nc.close();
  return { streams, subject: `hr.v1.${iso.prison(name)}.${M}.dispense` };
}

function recorderEnv(dbUrl: string, streams: { events: string; dead: string }, consumer: string) {
  return {
    NATS_URL: iso.servers.natsUrl,
    DATABASE_URL: dbUrl,
    EVENTS_STREAM: streams.events,
    DEAD_STREAM: streams.dead,
    CONSUMER: consumer,
    METRICS_PORT: "0",
    BATCH_SIZE: "500",
  };
}

describe("recorder under faults", () => {
  it("killed with SIGKILL mid-stream and restarted, it records every event exactly once", async () => {
    const tdb = await testDatabase(iso);
    cleanup.push(() => tdb.close());
    const { streams, subject } = await setupStreams("k");
    const count = async () =>
      Number(
        (await sql<{ n: string }>`SELECT count(*) AS n FROM ingest.raw_event`.execute(tdb.db)).rows[0]?.n,
      );
    const env = recorderEnv(tdb.roleUrl("hrvend_writer"), streams, `rec-${iso.tag}`);
    let rec: ServiceProcess = await startService("recorder", env, "recorder-kill");
    const publishing = publishRange(streams.events, subject, 1, 20_000);
    for (let kills = 0; kills < 3; kills++) {
      await expect.poll(count, { timeout: 30_000, interval: 20 }).toBeGreaterThan(kills * 5_000 + 1_000);
      await rec.kill("SIGKILL");
      rec = await startService("recorder", env, "recorder-kill");
    }
    cleanup.push(() => rec.kill("SIGTERM"));
    await publishing;
    await expect.poll(count, { timeout: 60_000, interval: 200 }).toBe(20_000);
    const gaps = await sql<{ n: string }>`
      SELECT count(*) AS n FROM generate_series(1, 20000) s
      WHERE NOT EXISTS (SELECT 1 FROM ingest.raw_event WHERE seq = s)`.execute(tdb.db);
    expect(Number(gaps.rows[0]?.n)).toBe(0);
    const pos = await tdb.db
      .selectFrom("ingest.stream_position")
      .selectAll()
      .where("consumer", "=", `rec-${iso.tag}`)
      .executeTakeFirstOrThrow();
    expect(Number(pos.stream_seq)).toBe(20_000);
  });

  it("stops acknowledging while its database is down and catches up when it returns", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hrvend-recpg-"));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const { chmodSync } = await import("node:fs");
    chmodSync(dir, 0o755);
    const password = newSecret();
    const pgOpts = { dir, port: await freePort(), superuserPassword: password, durable: false };
    let pg: ServerHandle = await startPostgres(pgOpts);
    cleanup.push(() => pg.stop());
    const admin = createDb(pg.url, { max: 1 });
    await ensureDatabase(admin, "hrvend");
    await admin.destroy();
    const url = withDatabase(pg.url, "hrvend");
    const db = createDb(url, { max: 2 });
    await migrateToLatest(db);
    await setRolePasswords(
      db,
      Object.fromEntries(DB_ROLES.map((r) => [r, password])) as Record<DbRole, string>,
    );
    await db.destroy();
    const { streams, subject } = await setupStreams("d");
    const rec = await startService(
      "recorder",
      recorderEnv(withCredentials(url, "hrvend_writer", password), streams, `rec-${iso.tag}-d`),
      "recorder-dbdown",
    );
    cleanup.push(() => rec.kill("SIGTERM"));
    await publishRange(streams.events, subject, 1, 1_000);
    const count = async () => {
      const c = createDb(url, { max: 1 });
      try {
        return Number(
          (await sql<{ n: string }>`SELECT count(*) AS n FROM ingest.raw_event`.execute(c)).rows[0]?.n,
        );
      } finally {
        await c.destroy();
      }
    };
    await expect.poll(count, { timeout: 20_000 }).toBe(1_000);

    await pg.stop();
    await publishRange(streams.events, subject, 1_001, 5_000);
    await expect.poll(() => rec.logs().includes("consumer error; retrying"), { timeout: 20_000 }).toBe(true);
    const nc = await natsConnect({ servers: iso.servers.natsUrl });
    const info = await (await jetstreamManager(nc)).consumers.info(streams.events, `rec-${iso.tag}-d`);
    await nc.close();
    expect(info.ack_floor.stream_seq).toBeLessThanOrEqual(1_000); // nothing acknowledged meanwhile

    pg = await startPostgres(pgOpts);
    await expect.poll(count, { timeout: 60_000, interval: 500 }).toBe(5_000);
  });
});
