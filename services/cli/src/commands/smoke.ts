import { applyMqttUsers, readStack, urlsOf } from "@hrvend/local-stack";
import { recorderDb } from "@hrvend/recorder";
import { deviceUser, loadOrCreateSecrets, newSecret } from "@hrvend/runtime";
import { createDb } from "@hrvend/runtime/db";
import { translator } from "@hrvend/runtime/i18n";
import { natsServers } from "@hrvend/runtime/nats";
import {
  addressOf,
  EXAMPLES,
  eventKey,
  type HrEvent,
  MACHINE_KINDS,
  mqttTopic,
  parseEventBytes,
} from "@hrvend/schemas";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { Command } from "commander";
import { sql } from "kysely";
import mqtt from "mqtt";
import type { CliConfig } from "../config";
import { reasonOf } from "../conventions";

const PRISON = "smoke";
const MACHINE = "smoke-m1";

/** One valid event of every machine kind, re-addressed to the smoke machine. */
function smokeEvents(): HrEvent[] {
  return MACHINE_KINDS.map(
    (kind, i) => ({ ...EXAMPLES[kind], prisonId: PRISON, machineId: MACHINE, seq: i + 1 }) as HrEvent,
  );
}

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * Proves each part of the local stack does its job on the pipeline's path, without leaving data
 * behind: MQTT with device credentials and ACLs, JetStream with dedup on the event key, and a
 * TimescaleDB hypertable insert (rolled back).
 */
export function smokeCommand(config: CliConfig): Command {
  const t = translator(config.lang, "cli");
  return new Command("smoke")
    .description(t("smoke.description"))
    .option("--json", t("smoke.json"))
    .addHelpText(
      "after",
      `\n${t("smoke.help")}\n\n${t("opt.examples")}\n  npx hrvend smoke\n  npx hrvend smoke --json`,
    )
    .action(async (opts: { json?: boolean }) => {
      const state = readStack(config.stateDir);
      const mqttPart = state?.parts.mosquitto;
      if (!state || !mqttPart) throw new Error(t("smoke.noStack"));
      const secrets = loadOrCreateSecrets(config.stateDir);
      const urls = urlsOf(state, secrets);
      const checks: Check[] = [];
      const check = async (name: string, fn: () => Promise<string>) => {
        const t0 = performance.now();
        try {
          const detail = await fn();
          checks.push({ name, ok: true, detail: `${detail} (${Math.round(performance.now() - t0)} ms)` });
        } catch (e) {
          // One line, also for an error without a message (a refused connection on every address).
          checks.push({ name, ok: false, detail: reasonOf(e) });
        }
      };
      const events = smokeEvents();

      await check("MQTT: device publishes, gateway account receives, ACL refuses spoofing", async () => {
        const password = newSecret();
        await applyMqttUsers(mqttPart.dir, mqttPart.pid, "smoke", [deviceUser(PRISON, MACHINE, password)]);
        const gw = await mqtt.connectAsync(urls.mqtt, {
          username: "hrvend-gateway",
          password: secrets.mqttGateway,
          clientId: `smoke-gw-${newSecret().slice(0, 6)}`,
        });
        const got: HrEvent[] = [];
        gw.on("message", (_t, payload) => got.push(parseEventBytes(payload)));
        await gw.subscribeAsync(`hr/v1/${PRISON}/#`, { qos: 1 });
        const dev = await mqtt.connectAsync(urls.mqtt, {
          username: MACHINE,
          password,
          clientId: MACHINE,
          protocolVersion: 4,
        });
        for (const e of events)
          await dev.publishAsync(mqttTopic(addressOf(e)), JSON.stringify(e), { qos: 1 });
        // Spoofs the broker must drop: another machine's topic, and an office kind at its own level.
        for (const spoof of [
          `hr/v1/${PRISON}/machine/someone-else/heartbeat`,
          `hr/v1/${PRISON}/machine/${MACHINE}/census`,
        ])
          await dev.publishAsync(spoof, JSON.stringify(events[0]), { qos: 1 });
        const deadline = Date.now() + 5_000;
        while (got.length < events.length && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, 300));
        await dev.endAsync();
        await gw.endAsync();
        if (got.length !== events.length)
          throw new Error(`gateway received ${got.length} of ${events.length} events`);
        return `${got.length} events of ${events.length} kinds received, spoofed topic refused`;
      });

      await check("JetStream: publish with Nats-Msg-Id, duplicates dropped, read back", async () => {
        const nc = await natsConnect({ servers: natsServers(urls.nats) });
        try {
          const jsm = await jetstreamManager(nc);
          const stream = "HRVEND_SMOKE";
          await jsm.streams.delete(stream).catch(() => false);
          await jsm.streams.add({ name: stream, subjects: ["hrvend-smoke.>"] });
          const js = jetstream(nc);
          for (const e of [...events, ...events]) {
            await js.publish(`hrvend-smoke.${e.kind}`, JSON.stringify(e), { msgID: eventKey(e) });
          }
          const info = await jsm.streams.info(stream);
          const consumer = await js.consumers.get(stream);
          const first = await consumer.next({ expires: 2_000 });
          await jsm.streams.delete(stream);
          if (info.state.messages !== events.length) {
            throw new Error(`stream holds ${info.state.messages} messages, expected ${events.length}`);
          }
          if (!first || eventKey(parseEventBytes(first.data)) !== eventKey(events[0]!))
            throw new Error("read back failed");
          return `${events.length * 2} published, ${info.state.messages} stored`;
        } finally {
          await nc.close();
        }
      });

      await check("TimescaleDB: raw-event hypertable accepts and returns events (rolled back)", async () => {
        const db = createDb(urls.postgresAdmin, { max: 1 });
        try {
          let stored = 0;
          const version = await sql<{
            v: string;
          }>`SELECT extversion AS v FROM pg_extension WHERE extname = 'timescaledb'`.execute(db);
          await recorderDb(db)
            .transaction()
            .execute(async (trx) => {
              await trx
                .insertInto("ingest.raw_event")
                .values(
                  events.map((e) => ({
                    event_time: (e as { deviceTime: string }).deviceTime,
                    event_key: eventKey(e),
                    prison_id: PRISON,
                    source_id: MACHINE,
                    seq: e.seq,
                    kind: e.kind,
                    payload: JSON.stringify(e),
                  })),
                )
                .execute();
              const r = await trx
                .selectFrom("ingest.raw_event")
                .select((eb) => eb.fn.countAll<string>().as("n"))
                .where("prison_id", "=", PRISON)
                .executeTakeFirstOrThrow();
              stored = Number(r.n);
              throw new Rollback();
            })
            .catch((e) => {
              if (!(e instanceof Rollback)) throw e;
            });
          if (stored !== events.length) throw new Error(`stored ${stored} rows, expected ${events.length}`);
          return `TimescaleDB ${version.rows[0]?.v ?? "?"}, ${stored} rows inserted and rolled back`;
        } finally {
          await db.destroy();
        }
      });

      const failed = checks.filter((c) => !c.ok).length;
      if (opts.json) console.log(JSON.stringify({ ok: failed === 0, checks }, null, 2));
      else {
        for (const c of checks) console.log(`${c.ok ? "ok  " : "FAIL"}  ${c.name}\n      ${c.detail}`);
        console.log(failed ? `\n${failed} check(s) failed` : "\nsmoke: all checks passed");
      }
      if (failed) process.exitCode = 1;
    });
}

class Rollback extends Error {}
