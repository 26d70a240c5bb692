import { readFileSync } from "node:fs";
import { devicePassword } from "@hrvend/devices";
import { applyMqttUsers, readStack, urlsOf } from "@hrvend/local-stack";
import { prisonTimeZones as reorderTimeZones } from "@hrvend/reorder/read";
import { loadOrCreateSecrets } from "@hrvend/runtime";
import { createDb, withCredentials } from "@hrvend/runtime/db";
import { type TFunction, translator } from "@hrvend/runtime/i18n";
import { addressOf, eventKey, mqttTopic } from "@hrvend/schemas";
import { alertAckEvent, operatorSeq } from "@hrvend/stock";
import { findAlert, listAlerts, waitForAcknowledgement } from "@hrvend/stock/read";
import { Command } from "commander";
import mqtt from "mqtt";
import type { CliConfig } from "../config";
import { conventionIso } from "../conventions";

/** The stock service's alerts: what is wrong where, since when; acknowledge one you are on. */
export function alertsCommand(config: CliConfig): Command {
  const t = translator(config.lang, "cli");
  const cmd = new Command("alerts").description(t("alerts.description")).addHelpText(
    "after",
    `
${t("alerts.help")}

${t("opt.examples")}
  npx hrvend alerts list
  npx hrvend alerts list --prison md-p13 --all
  npx hrvend alerts ack 'md-p13-m1/s1/stockout/2026-03-04T09:30:00+02:00' --by "Ana (outreach)"`,
  );

  cmd
    .command("list")
    .description(t("alerts.list"))
    .addHelpText(
      "after",
      `\n${t("opt.examples")}\n  npx hrvend alerts list\n  npx hrvend alerts list --prison md-p13 --all --json`,
    )
    .option("--prison <id>", t("alerts.prison"))
    .option("--all", t("alerts.all"))
    .option("--json", t("alerts.json"))
    .option("--database-url <url>", t("opt.databaseUrl", { role: "hrvend_writer" }))
    .action(async (o: { prison?: string; all?: boolean; json?: boolean; databaseUrl?: string }) => {
      const db = createDb(databaseUrl(config, o.databaseUrl, t), { max: 1 });
      try {
        const alerts = await listAlerts(db, {
          ...(o.prison ? { prisonId: o.prison } : {}),
          ...(o.all ? { all: true } : {}),
        });
        const zones = await prisonTimeZones(db);
        if (o.json)
          return console.log(
            JSON.stringify(
              alerts.map((a) => alertInLocalTime(a, zones.get(a.prisonId ?? ""), "second")),
              null,
              2,
            ),
          );
        if (alerts.length === 0) return console.log(t(o.all ? "alerts.none" : "alerts.noneActive"));
        for (const stored of alerts) {
          const a = alertInLocalTime(stored, zones.get(stored.prisonId ?? ""), "minute");
          const state = a.clearedAt
            ? t("alerts.cleared", { at: a.clearedAt })
            : a.acknowledgedAt
              ? t("alerts.ackBy", { by: a.acknowledgedBy })
              : t("alerts.active");
          console.log(
            `${a.raisedAt}  ${a.type.padEnd(24)} ${state.padEnd(12)} ${a.detail}\n  ${t("alerts.id")} ${a.id}`,
          );
        }
      } finally {
        await db.destroy();
      }
    });

  cmd
    .command("ack")
    .description(t("alerts.ack"))
    .addHelpText(
      "after",
      `
${t("alerts.ackHelp")}

${t("opt.examples")}
  npx hrvend alerts ack 'md-p13-m1/s1/stockout/2026-03-04T09:30:00+02:00' --by Ana
  npx hrvend alerts ack <id> --by Ana --operator ops-ana --mqtt-url mqtts://broker:8883 --mqtt-password-file ana.pw`,
    )
    .argument("<alertId>", t("alerts.alertId"))
    .requiredOption("--by <name>", t("alerts.by"))
    .option("--operator <id>", t("alerts.operator"), LOCAL_OPERATOR)
    .option("--database-url <url>", t("opt.databaseUrl", { role: "hrvend_writer" }))
    .option("--mqtt-url <url>", t("alerts.mqttUrl"))
    .option("--mqtt-password-file <file>", t("alerts.mqttPasswordFile"))
    .option("--wait <seconds>", t("alerts.wait"), "30")
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
        const db = createDb(databaseUrl(config, o.databaseUrl, t), { max: 1 });
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
          const broker = await operatorBroker(config, o, t);
          await publishOnce(broker, mqttTopic(addressOf(event)), JSON.stringify(event));
          console.log(t("alerts.published", { key: eventKey(event), alert: alert.id, by: o.by }));
          const waitMs = Math.max(0, Number(o.wait) || 0) * 1000;
          const applied = await waitForAcknowledgement(db, alertId, waitMs);
          if (applied) {
            const zone = (await prisonTimeZones(db)).get(applied.prisonId ?? "");
            console.log(
              t("alerts.acknowledged", {
                alert: applied.id,
                by: applied.acknowledgedBy,
                at: alertInLocalTime(applied, zone, "second").acknowledgedAt,
              }),
            );
          } else console.log(t("alerts.notApplied", { wait: o.wait }));
        } finally {
          await db.destroy();
        }
      },
    );
  return cmd;
}

type AlertTimes = {
  raisedAt: string;
  acknowledgedAt: string | null;
  clearedAt: string | null;
  remindedAt: string | null;
};

/**
 * An alert belongs to its machine's prison: its times in that prison's local time with the offset
 * (`2026-03-04T09:30+02:00`), in UTC (`Z`) when the prison's time zone is not known; `timeZone`
 * says which.
 */
export function alertInLocalTime<A extends AlertTimes>(
  a: A,
  timeZone: string | undefined,
  precision: "minute" | "second",
): A & { timeZone: string | null } {
  const at = (v: string | null) => (v === null ? null : conventionIso(v, timeZone, precision));
  return {
    ...a,
    raisedAt: conventionIso(a.raisedAt, timeZone, precision),
    acknowledgedAt: at(a.acknowledgedAt),
    clearedAt: at(a.clearedAt),
    remindedAt: at(a.remindedAt),
    timeZone: timeZone ?? null,
  };
}

/** Each prison's time zone as the reorder service knows it (none when its tables are not there or not readable). */
function prisonTimeZones(db: ReturnType<typeof createDb>): Promise<Map<string, string>> {
  return reorderTimeZones(db).catch(() => new Map<string, string>());
}

function localUrls(config: CliConfig) {
  const state = readStack(config.stateDir);
  if (!state) return undefined;
  const secrets = loadOrCreateSecrets(config.stateDir);
  return { secrets, ...urlsOf(state, secrets) };
}

function databaseUrl(config: CliConfig, given: string | undefined, t: TFunction): string {
  if (given) return given;
  const local = localUrls(config);
  if (!local) throw new Error(t("errors.noStack"));
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
  t: TFunction,
): Promise<Broker> {
  if (o.mqttUrl !== undefined) {
    if (o.mqttPasswordFile === undefined) throw new Error(t("errors.mqttNeedsPassword"));
    return {
      url: o.mqttUrl,
      username: o.operator,
      password: readFileSync(o.mqttPasswordFile, "utf8").trim(),
    };
  }
  const state = readStack(config.stateDir);
  const broker = state?.parts.mosquitto;
  if (!state || !broker) throw new Error(t("errors.noStackMqtt"));
  const secrets = loadOrCreateSecrets(config.stateDir);
  const url = urlsOf(state, secrets).mqtt;
  // The local stack's own operator account (infra/local-stack/src/stack.ts), when it has one.
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
