import { loadOrCreateSecrets, readStack, urlsOf } from "@hrvend/infra";
import { createDb, withCredentials } from "@hrvend/infra/db";
import { DEFAULT_STREAMS } from "@hrvend/infra/nats";
import { type ReplayProgress, replayFile, replayStream } from "@hrvend/recorder";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { SingleBar } from "cli-progress";
import { Command } from "commander";
import type { CliConfig } from "../config";

export function replayCommand(config: CliConfig): Command {
  return new Command("replay")
    .description("rebuild the raw-event tables from the JetStream stream, or load a simulator --out file")
    .option("--from-file <path>", "a JSONL file written by `hrvend simulate --out` (validated line by line)")
    .option("--stream <name>", "events stream to re-read", DEFAULT_STREAMS.events)
    .option("--database-url <url>", "PostgreSQL URL (default: the local stack, as hrvend_writer)")
    .option("--nats-url <url>", "NATS URL (default: the local stack)")
    .addHelpText(
      "after",
      `
Writes are idempotent on the event key: replaying twice changes nothing, and events already
recorded are counted as duplicates. Conflicting re-uses of a key are dead-lettered.

Examples:
  npx hrvend replay
  npx hrvend replay --from-file events.jsonl`,
    )
    .action(async (opts: { fromFile?: string; stream: string; databaseUrl?: string; natsUrl?: string }) => {
      const state = readStack(config.stateDir);
      const secrets = loadOrCreateSecrets(config.stateDir);
      const urls = state ? urlsOf(state, secrets) : undefined;
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
          const nc = await connect({ servers: natsUrl, name: "hrvend-replay" });
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
