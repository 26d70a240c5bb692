import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { createDb } from "@hrvend/infra/db";
import { translator } from "@hrvend/infra/i18n";
import { eventKey } from "@hrvend/schemas";
import { Command } from "commander";
import type { CliConfig } from "../config";
import { type ConnectionOptions, databaseUrlOf, registryBroker } from "../registry/connections";
import {
  describeChange,
  desiredBodies,
  diffRegistry,
  nextSeq,
  refEvent,
  republishAll,
} from "../registry/diff";
import { parseRegistryFile } from "../registry/file";
import { publishEvents } from "../registry/publish";
import { recordedRegistry, refusedSince, waitForRecorded } from "../registry/state";

/** `hrvend registry apply <file>`: the programme's own registry file into the stream. */
export function registryCommand(config: CliConfig): Command {
  const cmd = new Command("registry")
    .description(translator(config.lang, "cli")("registry.description"))
    .addHelpText(
      "after",
      `
The registry file (YAML) lists the programme's items, and its prisons with time zone, capacity,
prevalence estimates and OAT places, each with its machines (location, slots). Example:
infra/deploy/registry.example.yaml. Every change is published as a reference event (ref_item,
ref_prison, ref_machine) from the registry's own source over MQTT, like any other input.

Examples:
  npx hrvend registry apply infra/deploy/registry.example.yaml --dry-run
  npx hrvend registry apply registry.yaml
  npx hrvend registry apply registry.yaml --mqtt-url mqtts://mqtt.example.org:8883 \\
      --mqtt-password-file registry.pw --mqtt-ca-file ca.crt --database-url postgres://…`,
    );

  cmd
    .command("apply")
    .description("check the file, print what changes, and publish the changes (nothing if none)")
    .addHelpText(
      "after",
      `
Every row is checked against the event contract; a file with any problem applies nothing and
each problem is reported with its line. The diff is taken against what the pipeline recorded
from this registry source (ingest.raw_event), so applying the same file twice publishes nothing
the second time. A machine the registry has active and the file leaves out is deactivated
(ref_machine with active false); a prison or item left out is kept (no event removes one).

After a disaster (the events stream and the gateways' registry bucket lost, or restored from
an older backup, while the recorder still has the registry): machines are refused as
unknown_machine and apply finds nothing to publish. --republish publishes every item, prison
and machine of the file again with new seqs, changed or not (values the services already have,
now the source's latest), and the gateways learn the registry again.

Seq: above both the highest seq recorded from the source and the clock in microseconds, so no
counter is kept on disk and a second admin host cannot reuse one. apply waits (--wait) until
the recorder has stored what it published, so the next apply sees it.

Examples:
  npx hrvend registry apply registry.yaml --dry-run
  npx hrvend registry apply registry.yaml --json
  npx hrvend registry apply registry.yaml --republish   # after a disaster`,
    )
    .argument("<file>", "the registry file (YAML)")
    .option("--dry-run", "print the changes; publish nothing")
    .option("--json", "print the changes as one JSON document")
    .option(
      "--republish",
      "publish the whole file again (new seqs), even what did not change: repairs a deployment",
    )
    .option("--source <id>", "the registry source's id (its broker username and client id)", "registry")
    .option("--database-url <url>", "PostgreSQL URL (default: the local stack, as hrvend_writer)")
    .option("--mqtt-url <url>", "MQTT broker (default: the local stack's)")
    .option("--mqtt-password-file <file>", "the registry account's password (with --mqtt-url)")
    .option("--mqtt-ca-file <file>", "CA certificate of an mqtts:// broker")
    .option("--wait <seconds>", "how long to wait for the pipeline to record what was published", "60")
    .action(
      async (
        file: string,
        o: ConnectionOptions & {
          dryRun?: boolean;
          json?: boolean;
          republish?: boolean;
          source: string;
          wait: string;
        },
      ) => {
        const registry = parseRegistryFile(readText(file), basename(file));
        const db = createDb(databaseUrlOf(config, o.databaseUrl), { max: 1 });
        try {
          const recorded = await recordedRegistry(db, o.source);
          const desired = desiredBodies(registry);
          const diff = diffRegistry(recorded.bodies, desired);
          const changes = o.republish ? republishAll(diff, desired) : diff.changes;
          const lines = changes.map(describeChange);
          const keptLines = diff.kept.map((k) => `  kept (not in the file): ${k.kind.slice(4)} ${k.id}`);
          const summary = {
            file,
            source: o.source,
            changes: changes.map(({ action, kind, id, fields }) => ({ action, kind, id, fields })),
            kept: diff.kept,
          };
          if (o.dryRun || changes.length === 0) {
            if (o.json)
              console.log(JSON.stringify({ ...summary, published: 0, dryRun: Boolean(o.dryRun) }, null, 2));
            else {
              for (const l of [...lines, ...keptLines]) console.log(l);
              console.log(
                changes.length === 0
                  ? "registry is up to date: nothing to publish"
                  : `dry run: ${changes.length} event(s) to publish, nothing published`,
              );
            }
            return;
          }
          const first = nextSeq(recorded.maxSeq, Date.now());
          const time = new Date().toISOString();
          const events = changes.map((c, i) => refEvent(c.body, o.source, first + i, time));
          await publishEvents(await registryBroker(config, o.source, o), events);
          const missing = await waitForRecorded(
            db,
            events.map(eventKey),
            Math.max(0, Number(o.wait) || 0) * 1000,
          );
          if (o.json)
            console.log(
              JSON.stringify(
                {
                  ...summary,
                  published: events.length,
                  seqs: [first, first + events.length - 1],
                  notRecorded: missing,
                },
                null,
                2,
              ),
            );
          else {
            for (const l of [...lines, ...keptLines]) console.log(l);
            console.log(
              `published ${events.length} reference event(s) as source ${o.source} (seq ${first}…${first + events.length - 1})`,
            );
            if (missing.length === 0) console.log("the pipeline has recorded all of them");
          }
          if (missing.length > 0) {
            const refused = await refusedSince(db, o.source, new Date(Date.parse(time) - 60_000));
            for (const r of refused) console.error(`refused by the gateway: ${r}`);
            console.error(
              `the recorder has not stored ${missing.length} of them within ${o.wait} s (is the pipeline running? npx hrvend services status); they are on the broker and will be recorded. Run apply again only once they are, or it would publish them again.`,
            );
            process.exitCode = 2;
          }
        } finally {
          await db.destroy();
        }
      },
    );
  return cmd;
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
