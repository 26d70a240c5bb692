import { readStack, urlsOf } from "@hrvend/local-stack";
import { type ReplayProgress, replayFile, replayStream } from "@hrvend/recorder";
import { loadOrCreateSecrets } from "@hrvend/runtime";
import { committedSeq, createDb, resetConsumer, withCredentials } from "@hrvend/runtime/db";
import { translator } from "@hrvend/runtime/i18n";
import { DEFAULT_STREAMS, natsServers } from "@hrvend/runtime/nats";
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
  const t = translator(config.lang, "cli");
  return new Command("replay")
    .description(t("replay.description"))
    .option(
      "--service <name>",
      t("replay.service", { services: Object.keys(REBUILDABLE).join(", ") }),
      "recorder",
    )
    .option("--consumer <name>", t("replay.consumer"))
    .option("--from-file <path>", t("replay.fromFile"))
    .option("--stream <name>", t("replay.stream"), DEFAULT_STREAMS.events)
    .option("--database-url <url>", t("opt.databaseUrl", { role: "hrvend_writer" }))
    .option("--nats-url <url>", t("replay.natsUrl"))
    .addHelpText(
      "after",
      `
${t("replay.help")}

${t("opt.examples")}
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
      if (!dbUrl) throw new Error(t("errors.noStack"));
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
          if (!natsUrl) throw new Error(t("replay.noNats"));
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
          t("replay.replayed", {
            done: final.done,
            inserted: r.inserted,
            duplicates: r.duplicates,
            conflicts: r.conflicts,
          }),
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
  const t = translator(config.lang, "cli");
  if (!(opts.service in REBUILDABLE))
    throw new Error(
      t("replay.unknownService", { service: opts.service, services: Object.keys(REBUILDABLE).join(", ") }),
    );
  if (opts.fromFile) throw new Error(t("replay.fromFileRecorderOnly"));
  const name = opts.service as Rebuildable;
  const target = { ...REBUILDABLE[name], ...(opts.consumer ? { consumer: opts.consumer } : {}) };
  const dbUrl = opts.databaseUrl ?? urls?.postgresAdmin;
  const natsUrl = opts.natsUrl ?? urls?.nats;
  if (!dbUrl || !natsUrl) throw new Error(t("replay.noStackBoth"));
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
      if (pid !== undefined) console.log(t("replay.stoppedForRebuild", { name, pid }));
    }
    const tables = await resetConsumer(db, target);
    console.log(t("replay.emptied", { name, count: tables.length }));
    if (local) console.log(await startLocalService(config, name));
    else console.log(t("replay.startAgain", { name, last }));
    bar.start(last, 0);
    for (;;) {
      const at = await rebuiltTo(db, jsm, opts.stream, target.consumer, last);
      bar.update(at);
      if (at >= last) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    bar.stop();
    console.log(t("replay.rebuilt", { name, last }));
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
