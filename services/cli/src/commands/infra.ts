import { stackDown, stackStatus, stackUp } from "@hrvend/local-stack";
import { type TFunction, translator } from "@hrvend/runtime/i18n";
import { Command } from "commander";
import type { CliConfig } from "../config";
import { MIGRATIONS } from "../db";
import {
  CLUSTER_INSTANCES,
  CLUSTER_PARTITIONS,
  SERVICE_NAMES,
  startLocalService,
  stopLocalService,
} from "./services";

export function infraCommand(config: CliConfig): Command {
  const t = translator(config.lang, "cli");
  const infra = new Command("infra").description(t("infra.description")).addHelpText(
    "after",
    `
${t("infra.help", { dir: config.stateDir })}

${t("opt.examples")}
  npx hrvend infra up
  HRVEND_STATE_DIR=.hrvend-cluster npx hrvend infra up --cluster
  npx hrvend infra status
  npx hrvend infra down`,
  );

  infra
    .command("up")
    .description(t("infra.up"))
    .option("--postgres-port <port>", t("infra.postgresPort"), String(config.ports.postgres))
    .option("--nats-port <port>", t("infra.natsPort"), String(config.ports.nats))
    .option("--mosquitto-port <port>", t("infra.mosquittoPort"), String(config.ports.mqtt))
    .option("--cluster", t("infra.cluster", { instances: CLUSTER_INSTANCES, partitions: CLUSTER_PARTITIONS }))
    .addHelpText(
      "after",
      `
${t("opt.examples")}
  npx hrvend infra up --mosquitto-port 11884
  HRVEND_STATE_DIR=.hrvend-cluster npx hrvend infra up --cluster
  HRVEND_STATE_DIR=.hrvend-cluster npx hrvend services start all`,
    )
    .action(
      async (opts: { postgresPort: string; natsPort: string; mosquittoPort: string; cluster?: boolean }) => {
        const ports = {
          ...config.ports,
          postgres: port(opts.postgresPort, t),
          nats: port(opts.natsPort, t),
          mqtt: port(opts.mosquittoPort, t),
        };
        const cluster = opts.cluster ?? false;
        const { urls } = await stackUp(config.stateDir, ports, (l) => console.log(l), {
          cluster,
          migrations: MIGRATIONS,
        });
        if (cluster) console.log(await startLocalService(config, "gateway"));
        console.log(`\n${t("infra.ready", { nats: urls.nats, mqtt: urls.mqtt, dir: config.stateDir })}`);
        if (cluster) console.log(t("infra.startOthers"));
        console.log(t("infra.stopIt"));
      },
    );

  infra
    .command("down")
    .description(t("infra.down"))
    .addHelpText("after", `\n${t("opt.example")}\n  npx hrvend infra down`)
    .action(async () => {
      for (const name of [...SERVICE_NAMES].reverse()) {
        const pid = await stopLocalService(config, name);
        if (pid !== undefined) console.log(t("infra.serviceStopped", { name }));
      }
      await stackDown(config.stateDir, (l) => console.log(l));
    });

  infra
    .command("status")
    .description(t("infra.status"))
    .option("--json", t("infra.json"))
    .addHelpText(
      "after",
      `\n${t("infra.statusHelp")}\n\n${t("opt.examples")}\n  npx hrvend infra status\n  npx hrvend infra status --json`,
    )
    .action(async (opts: { json?: boolean }) => {
      const parts = await stackStatus(config.stateDir);
      if (opts.json) {
        console.log(JSON.stringify(parts, null, 2));
      } else {
        for (const p of parts) {
          console.log(
            `${p.part.padEnd(10)} ${t(p.running ? "infra.running" : "infra.stopped")}${p.pid ? `  pid ${p.pid}` : ""}${p.url ? `  ${p.url}` : ""}${p.log ? `  ${t("infra.log")} ${p.log}` : ""}`,
          );
        }
      }
      if (parts.some((p) => !p.running)) process.exitCode = 3;
    });
  return infra;
}

function port(s: string, t: TFunction): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(t("errors.badPort", { value: s }));
  return n;
}
