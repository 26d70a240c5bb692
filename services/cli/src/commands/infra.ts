import { stackDown, stackStatus, stackUp } from "@hrvend/infra";
import { Command } from "commander";
import type { CliConfig } from "../config";

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
  npx hrvend infra status
  npx hrvend infra down`,
    );

  infra
    .command("up")
    .description("start every part that is not running, create and migrate the database (idempotent)")
    .option("--postgres-port <port>", "PostgreSQL port", String(config.ports.postgres))
    .option("--nats-port <port>", "NATS client port", String(config.ports.nats))
    .option("--mosquitto-port <port>", "MQTT port", String(config.ports.mqtt))
    .addHelpText("after", "\nExample:\n  npx hrvend infra up --mosquitto-port 11884")
    .action(async (opts: { postgresPort: string; natsPort: string; mosquittoPort: string }) => {
      const ports = {
        ...config.ports,
        postgres: port(opts.postgresPort),
        nats: port(opts.natsPort),
        mqtt: port(opts.mosquittoPort),
      };
      const { urls } = await stackUp(config.stateDir, ports, (l) => console.log(l));
      console.log(`\nready. NATS ${urls.nats}  MQTT ${urls.mqtt}  state ${config.stateDir}`);
      console.log("stop it with: npx hrvend infra down");
    });

  infra
    .command("down")
    .description("stop exactly the processes `infra up` started (by pid); data stays in the state dir")
    .addHelpText("after", "\nExample:\n  npx hrvend infra down")
    .action(async () => {
      await stackDown(config.stateDir, (l) => console.log(l));
    });

  infra
    .command("status")
    .description("show each part of the local stack, its pid and URL")
    .option("--json", "print JSON")
    .addHelpText("after", "\nExample:\n  npx hrvend infra status --json")
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
