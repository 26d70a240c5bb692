import { stackDown, stackStatus, stackUp } from "@hrvend/infra";
import { Command } from "commander";
import type { CliConfig } from "../config";
import {
  CLUSTER_INSTANCES,
  CLUSTER_PARTITIONS,
  SERVICE_NAMES,
  startLocalService,
  stopLocalService,
} from "./services";

export function infraCommand(config: CliConfig): Command {
  const infra = new Command("infra")
    .description(
      "start, stop and inspect the local stack (PostgreSQL+TimescaleDB, NATS JetStream, Mosquitto)",
    )
    .addHelpText(
      "after",
      `
The stack lives in ${config.stateDir} (HRVEND_STATE_DIR) on its own loopback ports, never
the machine's own services. Provision the machine first: bash infra/scripts/provision.sh

Examples:
  npx hrvend infra up
  HRVEND_STATE_DIR=.hrvend-cluster npx hrvend infra up --cluster
  npx hrvend infra status
  npx hrvend infra down`,
    );

  infra
    .command("up")
    .description("start every part that is not running, create and migrate the database (idempotent)")
    .option("--postgres-port <port>", "PostgreSQL port", String(config.ports.postgres))
    .option("--nats-port <port>", "NATS client port", String(config.ports.nats))
    .option("--mosquitto-port <port>", "MQTT port", String(config.ports.mqtt))
    .option(
      "--cluster",
      `a 3-node NATS cluster (client ports --nats-port and the two after it, routes 2000 above) with R3 streams, and ${CLUSTER_INSTANCES} gateway instances in one shared-subscription group; services then run ${CLUSTER_INSTANCES} instances each over ${CLUSTER_PARTITIONS} partitions. Needs a state dir of its own`,
    )
    .addHelpText(
      "after",
      `
Examples:
  npx hrvend infra up --mosquitto-port 11884
  HRVEND_STATE_DIR=.hrvend-cluster npx hrvend infra up --cluster
  HRVEND_STATE_DIR=.hrvend-cluster npx hrvend services start all`,
    )
    .action(
      async (opts: { postgresPort: string; natsPort: string; mosquittoPort: string; cluster?: boolean }) => {
        const ports = {
          ...config.ports,
          postgres: port(opts.postgresPort),
          nats: port(opts.natsPort),
          mqtt: port(opts.mosquittoPort),
        };
        const cluster = opts.cluster ?? false;
        const { urls } = await stackUp(config.stateDir, ports, (l) => console.log(l), { cluster });
        if (cluster) console.log(await startLocalService(config, "gateway"));
        console.log(`\nready. NATS ${urls.nats}  MQTT ${urls.mqtt}  state ${config.stateDir}`);
        if (cluster) console.log("start the other services with: npx hrvend services start all");
        console.log("stop it with: npx hrvend infra down");
      },
    );

  infra
    .command("down")
    .description(
      "stop the services, then exactly the processes `infra up` started (by pid); data stays in the state dir",
    )
    .addHelpText("after", "\nExample:\n  npx hrvend infra down")
    .action(async () => {
      for (const name of [...SERVICE_NAMES].reverse()) {
        const pid = await stopLocalService(config, name);
        if (pid !== undefined) console.log(`${name}: stopped`);
      }
      await stackDown(config.stateDir, (l) => console.log(l));
    });

  infra
    .command("status")
    .description("show each part of the local stack, its pid and URL")
    .option("--json", "print JSON: one entry per part (part, running, pid, url, log)")
    .addHelpText(
      "after",
      "\nExit code: 0 when every part runs, 3 when any is stopped or no stack was started here (as `hrvend services status`).\n\nExamples:\n  npx hrvend infra status\n  npx hrvend infra status --json",
    )
    .action(async (opts: { json?: boolean }) => {
      const parts = await stackStatus(config.stateDir);
      if (opts.json) {
        console.log(JSON.stringify(parts, null, 2));
      } else {
        for (const p of parts) {
          console.log(
            `${p.part.padEnd(10)} ${p.running ? "running" : "stopped"}${p.pid ? `  pid ${p.pid}` : ""}${p.url ? `  ${p.url}` : ""}${p.log ? `  log ${p.log}` : ""}`,
          );
        }
      }
      if (parts.some((p) => !p.running)) process.exitCode = 3;
    });
  return infra;
}

function port(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`invalid port '${s}': expected 1-65535`);
  return n;
}
