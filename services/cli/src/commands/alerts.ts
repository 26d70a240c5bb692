import { loadOrCreateSecrets, readStack, urlsOf } from "@hrvend/infra";
import { createDb, withCredentials } from "@hrvend/infra/db";
import { DEFAULT_STREAMS, natsServers } from "@hrvend/infra/nats";
import { acknowledgeAlert, listAlerts } from "@hrvend/stock/alerts";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { Command } from "commander";
import type { CliConfig } from "../config";

/** The stock service's alerts: what is wrong where, since when; acknowledge one you are on. */
export function alertsCommand(config: CliConfig): Command {
  const cmd = new Command("alerts")
    .description("list the stock service's alerts, or acknowledge one")
    .addHelpText(
      "after",
      `
Alerts go raised → acknowledged → cleared (DOMAIN.md). The stock service raises and clears them
from what machines report; a person acknowledges one to say someone is on it.

Examples:
  npx hrvend alerts list
  npx hrvend alerts list --prison md-p13 --all
  npx hrvend alerts ack 'md-p13-m1/s1/stockout/2026-03-04T09:30:00+02:00' --by "Ana (outreach)"`,
    );

  cmd
    .command("list")
    .description("active alerts, most recent first (--all: cleared ones too)")
    .addHelpText(
      "after",
      "\nExamples:\n  npx hrvend alerts list\n  npx hrvend alerts list --prison md-p13 --all --json",
    )
    .option("--prison <id>", "one prison's alerts")
    .option("--all", "include cleared alerts")
    .option("--json", "one JSON document instead of a table")
    .option("--database-url <url>", "PostgreSQL URL (default: the local stack, as hrvend_writer)")
    .action(async (o: { prison?: string; all?: boolean; json?: boolean; databaseUrl?: string }) => {
      const db = createDb(databaseUrl(config, o.databaseUrl), { max: 1 });
      try {
        const alerts = await listAlerts(db, {
          ...(o.prison ? { prisonId: o.prison } : {}),
          ...(o.all ? { all: true } : {}),
        });
        if (o.json) return console.log(JSON.stringify(alerts, null, 2));
        if (alerts.length === 0) return console.log(o.all ? "no alerts" : "no active alerts");
        for (const a of alerts) {
          const state = a.clearedAt
            ? `cleared ${a.clearedAt}`
            : a.acknowledgedAt
              ? `ack by ${a.acknowledgedBy}`
              : "ACTIVE";
          console.log(`${a.raisedAt}  ${a.type.padEnd(24)} ${state.padEnd(12)} ${a.detail}\n  id ${a.id}`);
        }
      } finally {
        await db.destroy();
      }
    });

  cmd
    .command("ack")
    .description("acknowledge an active alert (stored, and announced on its NATS subject)")
    .addHelpText(
      "after",
      "\nExamples:\n  npx hrvend alerts ack 'md-p13-m1/s1/stockout/2026-03-04T09:30:00+02:00' --by Ana",
    )
    .argument("<alertId>", "the alert's id, as `alerts list` prints it")
    .requiredOption("--by <name>", "who is on it")
    .option("--database-url <url>", "PostgreSQL URL (default: the local stack, as hrvend_writer)")
    .option(
      "--nats-url <url>",
      "NATS URL for the announcement (default: the local stack; none: not announced)",
    )
    .action(async (alertId: string, o: { by: string; databaseUrl?: string; natsUrl?: string }) => {
      const db = createDb(databaseUrl(config, o.databaseUrl), { max: 1 });
      const natsUrl = o.natsUrl ?? localUrls(config)?.nats;
      const nc = natsUrl
        ? await connect({ servers: natsServers(natsUrl), name: "hrvend-alerts" })
        : undefined;
      try {
        const a = await acknowledgeAlert(
          db,
          alertId,
          o.by,
          new Date().toISOString(),
          nc ? { js: jetstream(nc), stream: DEFAULT_STREAMS.alerts ?? "HR_ALERTS" } : undefined,
        );
        console.log(`acknowledged ${a.id} by ${a.acknowledgedBy} at ${a.acknowledgedAt}`);
      } finally {
        await nc?.close();
        await db.destroy();
      }
    });
  return cmd;
}

function localUrls(config: CliConfig) {
  const state = readStack(config.stateDir);
  if (!state) return undefined;
  const secrets = loadOrCreateSecrets(config.stateDir);
  return { secrets, ...urlsOf(state, secrets) };
}

function databaseUrl(config: CliConfig, given: string | undefined): string {
  if (given) return given;
  const local = localUrls(config);
  if (!local)
    throw new Error("no local stack is running (npx hrvend infra up) and no --database-url was given");
  return withCredentials(local.postgresAdmin, "hrvend_writer", local.secrets.hrvend_writer);
}
