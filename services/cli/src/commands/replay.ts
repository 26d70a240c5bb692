import { loadOrCreateSecrets, readStack, urlsOf } from "@hrvend/infra";
import { committedSeq, createDb, resetConsumer, withCredentials } from "@hrvend/infra/db";
import { translator } from "@hrvend/infra/i18n";
import { DEFAULT_STREAMS, natsServers } from "@hrvend/infra/nats";
import { type ReplayProgress, replayFile, replayStream } from "@hrvend/recorder";
import { type JetStreamManager, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { SingleBar } from "cli-progress";
import { Command } from "commander";
import type { CliConfig } from "../config";
import { type ServiceName, startLocalService, stopLocalService } from "./services";

/** Stateful services that rebuild their own schema from the stream: schema and consumer names. */
const REBUILDABLE = {
  // Dead-lettered seqs come from the dead-letter stream (its own position, not reset): kept.
  stock: { schema: "stock", consumer: "stock", keep: ["dead_seq"] },
  reorder: { schema: "reorder", consumer: "reorder" },
  // Prevalence estimates and suppression settings are configuration: a rebuild keeps them.
  coverage: { schema: "coverage", consumer: "coverage", keep: ["estimate", "suppression_setting"] },
} as const satisfies Partial<
  Record<ServiceName, { schema: string; consumer: string; keep?: readonly string[] }>
>;
type Rebuildable = keyof typeof REBUILDABLE;

export function replayCommand(config: CliConfig): Command {
  return new Command("replay")
    .description(translator(config.lang, "cli")("replay.description"))
    .option(
      "--service <name>",
      `recorder, or a stateful service to rebuild from the first message: ${Object.keys(REBUILDABLE).join(", ")}`,
      "recorder",
    )
    .option(
      "--consumer <name>",
      "the service's durable consumer / stream-position name (default: the service's)",
    )
    .option("--from-file <path>", "a JSONL file written by `hrvend simulate --out` (validated line by line)")
    .option("--stream <name>", "events stream to re-read", DEFAULT_STREAMS.events)
    .option("--database-url <url>", "PostgreSQL URL (default: the local stack, as hrvend_writer)")
    .option("--nats-url <url>", "NATS URL (default: the local stack)")
    .addHelpText(
      "after",
      `
recorder: writes are idempotent on the event key: replaying twice changes nothing, and events
already recorded are counted as duplicates. Conflicting re-uses of a key are dead-lettered.

stock, reorder, coverage: empties the service's own schema and its stream position in one
transaction (coverage keeps its estimates and suppression settings), then the service consumes the stream from its first message and rebuilds the same
tables. On the local stack the service is stopped first and restarted; elsewhere (--database-url,
an owner of the service's tables) stop every instance first and start them after the reset.
Alert steps the stock service announces again carry the same ids (subscribers dedupe on them).

Examples:
  npx hrvend replay
  npx hrvend replay --from-file events.jsonl
  npx hrvend replay --service stock`,
    )
    .action(async (opts: ReplayOptions) => {
      const state = readStack(config.stateDir);
      const secrets = loadOrCreateSecrets(config.stateDir);
      const urls = state ? urlsOf(state, secrets) : undefined;
      if (opts.service !== "recorder") return rebuildService(config, opts, urls);
      const dbUrl =
        opts.databaseUrl ??
        (urls && withCredentials(urls.postgresAdmin, "hrvend_writer", secrets.hrvend_writer));
      if (!dbUrl)
        throw new Error("no local stack is running (npx hrvend infra up) and no --database-url was given");
      const db = createDb(dbUrl, { max: 2 });
      const bar = new SingleBar({
        format: "replay [{bar}] {value}/{total} events  {inserted} new, {duplicates} already there",
        hideCursor: true,
      });
      let started = false;
      const progress = (p: ReplayProgress) => {
        if (!started) bar.start(p.total ?? 0, 0, p.result);
        started = true;
        if (p.total === undefined) bar.setTotal(p.done);
        bar.update(p.done, p.result);
      };
      try {
        let final: ReplayProgress;
        if (opts.fromFile) {
          final = await replayFile(opts.fromFile, db, progress);
        } else {
          const natsUrl = opts.natsUrl ?? urls?.nats;
          if (!natsUrl) throw new Error("no local stack is running and no --nats-url was given");
          const nc = await connect({ servers: natsServers(natsUrl), name: "hrvend-replay" });
          try {
            final = await replayStream(jetstream(nc), await jetstreamManager(nc), db, opts.stream, progress);
          } finally {
            await nc.close();
          }
        }
        bar.stop();
        const r = final.result;
        console.log(
          `replayed ${final.done} events: ${r.inserted} new, ${r.duplicates} already recorded, ${r.conflicts} conflicting (dead-lettered)`,
        );
      } finally {
        bar.stop();
        await db.destroy();
      }
    });
}

interface ReplayOptions {
  service: string;
  consumer?: string;
  fromFile?: string;
  stream: string;
  databaseUrl?: string;
  natsUrl?: string;
}

/** Resets a stateful service and follows its rebuild until it has consumed the whole stream. */
async function rebuildService(
  config: CliConfig,
  opts: ReplayOptions,
  urls: ReturnType<typeof urlsOf> | undefined,
): Promise<void> {
  if (!(opts.service in REBUILDABLE))
    throw new Error(
      `unknown service '${opts.service}'; choose recorder, ${Object.keys(REBUILDABLE).join(", ")}`,
    );
  if (opts.fromFile)
    throw new Error("--from-file rebuilds the recorder's raw events only; stateful services read the stream");
  const name = opts.service as Rebuildable;
  const target = { ...REBUILDABLE[name], ...(opts.consumer ? { consumer: opts.consumer } : {}) };
  const dbUrl = opts.databaseUrl ?? urls?.postgresAdmin;
  const natsUrl = opts.natsUrl ?? urls?.nats;
  if (!dbUrl || !natsUrl)
    throw new Error(
      "no local stack is running (npx hrvend infra up) and no --database-url / --nats-url was given",
    );
  const local = opts.databaseUrl === undefined;
  const db = createDb(dbUrl, { max: 2 });
  const nc = await connect({ servers: natsServers(natsUrl), name: "hrvend-replay" });
  const bar = new SingleBar({
    format: `${name} rebuild [{bar}] {value}/{total} stream messages`,
    hideCursor: true,
  });
  try {
    const jsm = await jetstreamManager(nc);
    const last = (await jsm.streams.info(opts.stream)).state.last_seq;
    if (local) {
      const pid = await stopLocalService(config, name);
      if (pid !== undefined) console.log(`${name}: stopped (pid ${pid}) for the rebuild`);
    }
    const tables = await resetConsumer(db, target);
    console.log(`${name}: emptied ${tables.length} tables and its stream position`);
    if (local) console.log(await startLocalService(config, name));
    else console.log(`start ${name} again now; waiting for it to consume ${last} messages`);
    bar.start(last, 0);
    for (;;) {
      const at = await rebuiltTo(db, jsm, opts.stream, target.consumer, last);
      bar.update(at);
      if (at >= last) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    bar.stop();
    console.log(`${name}: rebuilt from ${last} stream messages`);
  } finally {
    bar.stop();
    await nc.close();
    await db.destroy();
  }
}

/**
 * How far a rebuild has come, in stream sequence: the committed position of an unpartitioned
 * service; partitioned (`<consumer>-p<k>` consumers), the stream's last sequence less what its
 * partitions' consumers still have pending (done when none has anything pending or unacknowledged).
 */
async function rebuiltTo(
  db: ReturnType<typeof createDb>,
  jsm: JetStreamManager,
  stream: string,
  consumer: string,
  last: number,
): Promise<number> {
  const partitions: { num_pending: number; num_ack_pending: number }[] = [];
  for await (const c of jsm.consumers.list(stream))
    if (new RegExp(`^${consumer}-p\\d+$`).test(c.name)) partitions.push(c);
  if (partitions.length === 0) return committedSeq(db, consumer);
  const pending = partitions.reduce((n, c) => n + c.num_pending + c.num_ack_pending, 0);
  return pending === 0 ? last : Math.max(0, last - pending);
}
