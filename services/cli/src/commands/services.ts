import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  isAlive,
  loadOrCreateSecrets,
  readStack,
  type Secrets,
  type StackState,
  spawnService,
  stopPid,
  urlsOf,
} from "@hrvend/infra";
import { withCredentials } from "@hrvend/infra/db";
import { Command } from "commander";
import type { CliConfig } from "../config";

/** The services `hrvend services` runs against the local stack, in start order. */
const SERVICES = {
  gateway: (s: StackState, k: Secrets): Record<string, string> => {
    const u = urlsOf(s, k);
    return {
      GATEWAY_ID: "local-1",
      MQTT_URL: u.mqtt,
      MQTT_USERNAME: "hrvend-gateway",
      MQTT_PASSWORD: k.mqttGateway,
      NATS_URL: u.nats,
      METRICS_PORT: "9464",
    };
  },
  recorder: (s: StackState, k: Secrets): Record<string, string> => {
    const u = urlsOf(s, k);
    return {
      NATS_URL: u.nats,
      DATABASE_URL: withCredentials(u.postgresAdmin, "hrvend_writer", k.hrvend_writer),
      METRICS_PORT: "9465",
    };
  },
  stock: (s: StackState, k: Secrets): Record<string, string> => {
    const u = urlsOf(s, k);
    return {
      NATS_URL: u.nats,
      DATABASE_URL: withCredentials(u.postgresAdmin, "hrvend_writer", k.hrvend_writer),
      METRICS_PORT: "9466",
    };
  },
  reorder: (s: StackState, k: Secrets): Record<string, string> => {
    const u = urlsOf(s, k);
    return {
      NATS_URL: u.nats,
      DATABASE_URL: withCredentials(u.postgresAdmin, "hrvend_writer", k.hrvend_writer),
      METRICS_PORT: "9467",
    };
  },
} as const;
type Name = keyof typeof SERVICES;
const NAMES = Object.keys(SERVICES) as Name[];

interface Running {
  pid: number;
  logFile: string;
}

function stateFile(config: CliConfig): string {
  return join(config.stateDir, "services.json");
}
function readRunning(config: CliConfig): Partial<Record<Name, Running>> {
  const f = stateFile(config);
  return existsSync(f) ? JSON.parse(readFileSync(f, "utf8")) : {};
}

function pick(which: string): Name[] {
  if (which === "all") return NAMES;
  if (!(NAMES as string[]).includes(which))
    throw new Error(`unknown service '${which}'; choose one of ${NAMES.join(", ")} or all`);
  return [which as Name];
}

export function servicesCommand(config: CliConfig): Command {
  const cmd = new Command("services")
    .description("run hrvend's services against the local stack")
    .addHelpText(
      "after",
      `
Services: ${NAMES.join(", ")}. Logs go to ${join(config.stateDir, "services")}/<name>.log.

Examples:
  npx hrvend services start all
  npx hrvend services status
  npx hrvend services stop all`,
    );

  cmd
    .command("start")
    .argument("[service]", `one of ${NAMES.join(", ")}, or all`, "all")
    .description("start services in the background (idempotent) and wait until each is ready")
    .action(async (which: string) => {
      const stack = readStack(config.stateDir);
      if (!stack) throw new Error("the local stack is not running; start it with: npx hrvend infra up");
      const secrets = loadOrCreateSecrets(config.stateDir);
      const running = readRunning(config);
      mkdirSync(join(config.stateDir, "services"), { recursive: true });
      for (const name of pick(which)) {
        const r = running[name];
        if (r && isAlive(r.pid)) {
          console.log(`${name}: already running (pid ${r.pid})`);
          continue;
        }
        const logFile = join(config.stateDir, "services", `${name}.log`);
        const p = await spawnService(name, SERVICES[name](stack, secrets), { logFile, detached: true });
        running[name] = { pid: p.pid, logFile };
        writeFileSync(stateFile(config), JSON.stringify(running, null, 2));
        console.log(`${name}: started (pid ${p.pid}), log ${logFile}`);
      }
    });

  cmd
    .command("stop")
    .argument("[service]", `one of ${NAMES.join(", ")}, or all`, "all")
    .description("stop services gracefully (SIGTERM: they drain first)")
    .action(async (which: string) => {
      const running = readRunning(config);
      for (const name of pick(which).reverse()) {
        const r = running[name];
        if (r && isAlive(r.pid)) {
          await stopPid(r.pid, "SIGTERM", 20_000);
          console.log(`${name}: stopped (pid ${r.pid})`);
        }
        delete running[name];
      }
      writeFileSync(stateFile(config), JSON.stringify(running, null, 2));
    });

  cmd
    .command("status")
    .description("show which services run, with pid and log")
    .action(() => {
      const running = readRunning(config);
      for (const name of NAMES) {
        const r = running[name];
        const up = r !== undefined && isAlive(r.pid);
        console.log(`${name.padEnd(10)} ${up ? `running  pid ${r.pid}  log ${r.logFile}` : "stopped"}`);
      }
    });
  return cmd;
}
