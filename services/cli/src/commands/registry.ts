import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { createDb } from "@hrvend/runtime/db";
import { type TFunction, translator } from "@hrvend/runtime/i18n";
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
  const t = translator(config.lang, "cli");
  const cmd = new Command("registry").description(t("registry.description")).addHelpText(
    "after",
    `
${t("registry.help")}

${t("opt.examples")}
  npx hrvend registry apply infra/deploy/registry.example.yaml --dry-run
  npx hrvend registry apply registry.yaml
  npx hrvend registry apply registry.yaml --mqtt-url mqtts://mqtt.example.org:8883 \\
      --mqtt-password-file registry.pw --mqtt-ca-file ca.crt --database-url postgres://…`,
  );

  cmd
    .command("apply")
    .description(t("registry.apply"))
    .addHelpText(
      "after",
      `
${t("registry.applyHelp")}

${t("opt.examples")}
  npx hrvend registry apply registry.yaml --dry-run
  npx hrvend registry apply registry.yaml --json
  npx hrvend registry apply registry.yaml --republish   ${t("registry.afterDisaster")}`,
    )
    .argument("<file>", t("registry.file"))
    .option("--dry-run", t("registry.dryRun"))
    .option("--json", t("registry.json"))
    .option("--republish", t("registry.republish"))
    .option("--source <id>", t("registry.source"), "registry")
    .option("--database-url <url>", t("opt.databaseUrl", { role: "hrvend_writer" }))
    .option("--mqtt-url <url>", t("alerts.mqttUrl"))
    .option("--mqtt-password-file <file>", t("registry.mqttPasswordFile"))
    .option("--mqtt-ca-file <file>", t("import.mqttCaFile"))
    .option("--wait <seconds>", t("import.wait"), "60")
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
        const registry = parseRegistryFile(readText(file, t), basename(file));
        const db = createDb(databaseUrlOf(config, o.databaseUrl), { max: 1 });
        try {
          const recorded = await recordedRegistry(db, o.source);
          const desired = desiredBodies(registry);
          const diff = diffRegistry(recorded.bodies, desired);
          const changes = o.republish ? republishAll(diff, desired) : diff.changes;
          const lines = changes.map(describeChange);
          const keptLines = diff.kept.map(
            (k) => `  ${t("registry.kept", { kind: k.kind.slice(4), id: k.id })}`,
          );
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
                  ? t("registry.upToDate")
                  : t("registry.dryRunCount", { count: changes.length }),
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
              t("registry.published", {
                count: events.length,
                source: o.source,
                first,
                last: first + events.length - 1,
              }),
            );
            if (missing.length === 0) console.log(t("registry.allRecorded"));
          }
          if (missing.length > 0) {
            const refused = await refusedSince(db, o.source, new Date(Date.parse(time) - 60_000));
            for (const r of refused) console.error(t("registry.refused", { reason: r }));
            console.error(t("registry.notRecorded", { count: missing.length, wait: o.wait }));
            process.exitCode = 2;
          }
        } finally {
          await db.destroy();
        }
      },
    );
  return cmd;
}

function readText(file: string, t: TFunction): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(
      t("errors.cannotRead", { file, reason: (e as NodeJS.ErrnoException).code ?? (e as Error).message }),
    );
  }
}
