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
  coverage: (s: StackState, k: Secrets): Record<string, string> => {
    const u = urlsOf(s, k);
    return {
      NATS_URL: u.nats,
      DATABASE_URL: withCredentials(u.postgresAdmin, "hrvend_writer", k.hrvend_writer),
      METRICS_PORT: "9468",
    };
  },
} as const;
export type ServiceName = keyof typeof SERVICES;
type Name = ServiceName;
export const SERVICE_NAMES = Object.keys(SERVICES) as Name[];
const NAMES = SERVICE_NAMES;

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

/** Starts one service against the local stack unless it runs already; says what it did. */
export async function startLocalService(config: CliConfig, name: ServiceName): Promise<string> {
  const stack = readStack(config.stateDir);
  if (!stack) throw new Error("the local stack is not running; start it with: npx hrvend infra up");
  const secrets = loadOrCreateSecrets(config.stateDir);
  const running = readRunning(config);
  const r = running[name];
  if (r && isAlive(r.pid)) return `${name}: already running (pid ${r.pid})`;
  mkdirSync(join(config.stateDir, "services"), { recursive: true });
  const logFile = join(config.stateDir, "services", `${name}.log`);
  const p = await spawnService(name, SERVICES[name](stack, secrets), { logFile, detached: true });
  writeFileSync(
    stateFile(config),
    JSON.stringify({ ...readRunning(config), [name]: { pid: p.pid, logFile } }, null, 2),
  );
  return `${name}: started (pid ${p.pid}), log ${logFile}`;
}

/** Stops one local service gracefully; returns its pid when it was running. */
export async function stopLocalService(config: CliConfig, name: ServiceName): Promise<number | undefined> {
  const running = readRunning(config);
  const r = running[name];
  const alive = r !== undefined && isAlive(r.pid);
  if (alive) await stopPid(r.pid, "SIGTERM", 20_000);
  delete running[name];
  writeFileSync(stateFile(config), JSON.stringify(running, null, 2));
  return alive ? r.pid : undefined;
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
    .addHelpText("after", "\nExamples:\n  npx hrvend services start\n  npx hrvend services start stock")
    .action(async (which: string) => {
      for (const name of pick(which)) console.log(await startLocalService(config, name));
    });

  cmd
    .command("stop")
    .argument("[service]", `one of ${NAMES.join(", ")}, or all`, "all")
    .description("stop services gracefully (SIGTERM: they drain first)")
    .addHelpText("after", "\nExamples:\n  npx hrvend services stop\n  npx hrvend services stop gateway")
    .action(async (which: string) => {
      for (const name of pick(which).reverse()) {
        const stopped = await stopLocalService(config, name);
        if (stopped !== undefined) console.log(`${name}: stopped (pid ${stopped})`);
      }
    });

  cmd
    .command("status")
    .description("show which services run, with pid and log")
    .addHelpText("after", "\nExamples:\n  npx hrvend services status")
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
