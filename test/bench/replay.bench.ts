import { migrateToLatest } from "@hrvend/cli/db";
import { committedPositions } from "@hrvend/recorder/read";
import { createDb, ensureDatabase, withDatabase } from "@hrvend/runtime/db";
import { natsServers } from "@hrvend/runtime/nats";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { sql } from "kysely";
import { CONSUMERS, type Pipeline } from "../support/pipeline";
import { startService } from "../support/services";
import { cpuSeconds } from "./cpu";

export interface ServiceReplay {
  /** Stream messages consumed, from the service reporting ready to its last committed position. */
  events: number;
  seconds: number;
  eventsPerSec: number;
  /** CPU seconds of the service's own process over the whole replay (its database backends excluded). */
  cpuSeconds: number;
}

export interface ReplayBench {
  streamMessages: number;
  /** A plain pull consumer reading and acknowledging every message of the same stream. */
  rawJetStreamConsumePerSec: number;
  services: Record<(typeof CONSUMERS)[number], ServiceReplay>;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** When the service logged that it was ready (its log's epoch milliseconds): it may be consuming before the log is read. */
function readyTime(logs: string): number {
  const line = logs.split("\n").find((l) => /"msg":"\w+ ready"/.test(l));
  const t = line === undefined ? Number.NaN : Number((JSON.parse(line) as { time?: unknown }).time);
  if (!Number.isFinite(t)) throw new Error(`replay: no time on the service's ready line: ${line}`);
  return t;
}

/**
 * Each stream service replaying alone (issue #20): after a pipeline run settled, its services
 * are stopped, and each stream service in turn consumes the recorded events stream from its
 * start into a fresh, migrated database of its own, under a consumer name of its own, with
 * nothing else running. Its rate is every message over the time from the service reporting ready
 * to its last committed position (ingest.stream_position), so the process's start-up is not counted. The baseline, a plain pull
 * consumer reading and acknowledging the same stream, is measured first.
 */
export async function replayBench(p: Pipeline, log: (s: string) => void): Promise<ReplayBench> {
  for (const s of [...p.instanceNames].reverse()) await p.stopInstance(s);
  const { lastSeq, messages } = await p.streamState();

  log(`replay: raw JetStream consume of ${messages} messages`);
  const nc = await natsConnect({ servers: natsServers(p.natsUrl) });
  const jsm = await jetstreamManager(nc);
  await jsm.consumers.add("HR_EVENTS", {
    durable_name: "bench-raw-consume",
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    max_ack_pending: 10_000,
  });
  const consumer = await jetstream(nc).consumers.get("HR_EVENTS", "bench-raw-consume");
  const t0 = performance.now();
  const iter = await consumer.consume({ max_messages: 1000 });
  let read = 0;
  for await (const m of iter) {
    m.ack();
    read++;
    if (m.seq >= lastSeq) break;
  }
  const rawSeconds = (performance.now() - t0) / 1000;
  await iter.close()?.catch(() => undefined);
  await jsm.consumers.delete("HR_EVENTS", "bench-raw-consume");
  await nc.close();
  const rawRate = Math.round(read / rawSeconds);
  log(`replay: raw consume ${rawRate} messages/s`);

  // One migrated template; each replay gets a copy (CREATE DATABASE … TEMPLATE is a file copy).
  const serverUrl = p.servers.get("postgres")?.url as string;
  const admin = createDb(serverUrl, { max: 1 });
  await ensureDatabase(admin, "bench_replay_template");
  const template = createDb(withDatabase(serverUrl, "bench_replay_template"), { max: 1 });
  await migrateToLatest(template);
  await template.destroy();
  // TimescaleDB's background workers connect to every database that has the extension: close
  // the template to connections, and end those already there, before copying it.
  await sql`ALTER DATABASE bench_replay_template WITH ALLOW_CONNECTIONS false`.execute(admin);
  const copy = async (database: string) => {
    for (let attempt = 1; ; attempt++) {
      await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = 'bench_replay_template' AND pid <> pg_backend_pid()`.execute(admin);
      try {
        return await sql`CREATE DATABASE ${sql.id(database)} TEMPLATE bench_replay_template`.execute(admin);
      } catch (e) {
        if (attempt >= 20) throw e;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };

  const services = {} as ReplayBench["services"];
  try {
    for (const name of CONSUMERS) {
      const database = `bench_replay_${name}`;
      await copy(database);
      const db = createDb(withDatabase(p.adminUrl, database), { max: 1 });
      const consumerName = `bench-replay-${name}`;
      const seen: { t: number; pos: number }[] = [];
      let watching = true;
      const watcher = (async () => {
        while (watching) {
          const pos =
            (await committedPositions(db).catch(() => new Map<string, number>())).get(consumerName) ?? 0;
          if (pos > 0 && seen.at(-1)?.pos !== pos) seen.push({ t: Date.now(), pos });
          if (pos >= lastSeq) return;
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      log(`replay: ${name} alone over ${messages} messages`);
      const env = {
        ...p.serviceEnv(name),
        DATABASE_URL: withDatabase(p.writerUrl, database),
        CONSUMER: consumerName,
      };
      const svc = await startService(name, env, `bench-replay-${name}`);
      const ready = readyTime(svc.logs());
      const cpu0 = cpuSeconds(svc.pid);
      const deadline = Date.now() + 600_000;
      try {
        while ((seen.at(-1)?.pos ?? 0) < lastSeq) {
          if (Date.now() > deadline) throw new Error(`replay: ${name} did not reach seq ${lastSeq} in 600 s`);
          await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        watching = false;
        await watcher;
      }
      const cpu = cpuSeconds(svc.pid) - cpu0;
      await svc.kill("SIGTERM");
      await db.destroy();
      const last = seen.at(-1) as { t: number; pos: number };
      // From the service reporting ready (connected, consumer open: start-up excluded) to its last
      // commit, every message counted. Between the first and the last commit, as measured before,
      // leaves out the first batch, which with large batches (coverage 10,000) is half the stream.
      const seconds = (last.t - ready) / 1000;
      const events = last.pos;
      services[name] = {
        events,
        seconds: Math.round(seconds * 100) / 100,
        eventsPerSec: seconds > 0 ? Math.round(events / seconds) : 0,
        cpuSeconds: round1(cpu),
      };
      log(`replay: ${name} ${JSON.stringify(services[name])}`);
      await sql`DROP DATABASE ${sql.id(database)}`.execute(admin);
    }
  } finally {
    await admin.destroy();
  }
  return { streamMessages: messages, rawJetStreamConsumePerSec: rawRate, services };
}
