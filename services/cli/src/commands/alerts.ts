import { readFileSync } from "node:fs";
import { devicePassword } from "@hrvend/devices";
import { applyMqttUsers, loadOrCreateSecrets, readStack, urlsOf } from "@hrvend/infra";
import { createDb, withCredentials } from "@hrvend/infra/db";
import { addressOf, eventKey, mqttTopic } from "@hrvend/schemas";
import {
  alertAckEvent,
  findAlert,
  listAlerts,
  operatorSeq,
  waitForAcknowledgement,
} from "@hrvend/stock/alerts";
import { Command } from "commander";
import mqtt from "mqtt";
import type { CliConfig } from "../config";

/** The stock service's alerts: what is wrong where, since when; acknowledge one you are on. */
export function alertsCommand(config: CliConfig): Command {
  const cmd = new Command("alerts")
    .description("list the stock service's alerts, or acknowledge one")
    .addHelpText(
      "after",
      `
Alerts go raised → acknowledged → cleared (docs/domain.md). The stock service raises and clears them
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
    .description(
      "acknowledge an active alert: published as an alert_ack event from the operator source, applied by the stock service",
    )
    .addHelpText(
      "after",
      `
The acknowledgement travels like every other input: over MQTT with the operator's own broker
account, through the gateway (contract, topic identity), into the events stream, where the stock
service applies it. A rebuild of the stock service (replay --service stock) therefore keeps it.
On the local stack the operator's account is registered for you.

Examples:
  npx hrvend alerts ack 'md-p13-m1/s1/stockout/2026-03-04T09:30:00+02:00' --by Ana
  npx hrvend alerts ack <id> --by Ana --operator ops-ana --mqtt-url mqtts://broker:8883 --mqtt-password-file ana.pw`,
    )
    .argument("<alertId>", "the alert's id, as `alerts list` prints it")
    .requiredOption("--by <name>", "who is on it")
    .option("--operator <id>", "the operator source's id (its broker username)", LOCAL_OPERATOR)
    .option("--database-url <url>", "PostgreSQL URL (default: the local stack, as hrvend_writer)")
    .option("--mqtt-url <url>", "MQTT broker (default: the local stack's)")
    .option(
      "--mqtt-password-file <file>",
      "the operator account's password (default on the local stack: derived)",
    )
    .option("--wait <seconds>", "how long to wait for the stock service to apply it", "30")
    .action(
      async (
        alertId: string,
        o: {
          by: string;
          operator: string;
          databaseUrl?: string;
          mqttUrl?: string;
          mqttPasswordFile?: string;
          wait: string;
        },
      ) => {
        const db = createDb(databaseUrl(config, o.databaseUrl), { max: 1 });
        try {
          const alert = await findAlert(db, alertId);
          const now = new Date();
          const event = alertAckEvent({
            alert,
            by: o.by,
            operatorId: o.operator,
            now: now.toISOString(),
            seq: operatorSeq(now.getTime(), Number(process.hrtime.bigint() / 1000n)),
          });
          const broker = await operatorBroker(config, o);
          await publishOnce(broker, mqttTopic(addressOf(event)), JSON.stringify(event));
          console.log(`published acknowledgement ${eventKey(event)} of ${alert.id} by ${o.by}`);
          const waitMs = Math.max(0, Number(o.wait) || 0) * 1000;
          const applied = await waitForAcknowledgement(db, alertId, waitMs);
          if (applied)
            console.log(
              `acknowledged ${applied.id} by ${applied.acknowledgedBy} at ${applied.acknowledgedAt}`,
            );
          else
            console.log(
              `the stock service has not applied it within ${o.wait} s (is it running and caught up? npx hrvend services status); it is in the stream and will be applied`,
            );
        } finally {
          await db.destroy();
        }
      },
    );
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

/** The operator account every local stack has. */
const LOCAL_OPERATOR = "hrvend-operator";

interface Broker {
  url: string;
  username: string;
  password: string;
}

/**
 * The operator's broker account: given (URL and password file), or on the local stack registered
 * now, allowed to publish only alert_ack under its own source id (password derived from the
 * deployment secret, like the simulated sources').
 */
async function operatorBroker(
  config: CliConfig,
  o: { operator: string; mqttUrl?: string; mqttPasswordFile?: string },
): Promise<Broker> {
  if (o.mqttUrl !== undefined) {
    if (o.mqttPasswordFile === undefined)
      throw new Error("--mqtt-url needs --mqtt-password-file (the operator account's password)");
    return {
      url: o.mqttUrl,
      username: o.operator,
      password: readFileSync(o.mqttPasswordFile, "utf8").trim(),
    };
  }
  const state = readStack(config.stateDir);
  const broker = state?.parts.mosquitto;
  if (!state || !broker)
    throw new Error("no local stack is running (npx hrvend infra up) and no --mqtt-url was given");
  const secrets = loadOrCreateSecrets(config.stateDir);
  const url = urlsOf(state, secrets).mqtt;
  // The local stack's own operator account (infra/src/stack.ts), when it has one.
  const stackPassword = (secrets as unknown as Record<string, unknown>).mqttOperator;
  if (o.operator === LOCAL_OPERATOR && typeof stackPassword === "string")
    return { url, username: o.operator, password: stackPassword };
  const password = devicePassword(secrets.deploymentSecret, o.operator);
  const topic = mqttTopic({ prisonId: "+", sourceId: o.operator, kind: "alert_ack" });
  await applyMqttUsers(broker.dir, broker.pid, `operator-${o.operator}`, [
    // Bound to its own client id, like every source account (no session takeover).
    { username: o.operator, clientId: o.operator, password, publish: [topic] },
  ]);
  return { url, username: o.operator, password };
}

/** One QoS 1 publication: resolves when the broker has acknowledged it (PUBACK). */
async function publishOnce(b: Broker, topic: string, payload: string): Promise<void> {
  const client = await mqtt.connectAsync(b.url, {
    clientId: b.username,
    username: b.username,
    password: b.password,
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  try {
    await client.publishAsync(topic, payload, { qos: 1 });
  } finally {
    await client.endAsync();
  }
}
