import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isAlive, readStack, type StackState, spawnService, stopPid, urlsOf } from "@hrvend/local-stack";
import { loadOrCreateSecrets, type Secrets } from "@hrvend/runtime";
import { withCredentials } from "@hrvend/runtime/db";
import { type TFunction, translator } from "@hrvend/runtime/i18n";
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
    };
  },
  recorder: (s: StackState, k: Secrets): Record<string, string> => {
    const u = urlsOf(s, k);
    return {
      NATS_URL: u.nats,
      DATABASE_URL: withCredentials(u.postgresAdmin, "hrvend_writer", k.hrvend_writer),
    };
  },
  stock: (s: StackState, k: Secrets): Record<string, string> => {
    const u = urlsOf(s, k);
    return {
      NATS_URL: u.nats,
      DATABASE_URL: withCredentials(u.postgresAdmin, "hrvend_writer", k.hrvend_writer),
    };
  },
  reorder: (s: StackState, k: Secrets): Record<string, string> => {
    const u = urlsOf(s, k);
    return {
      NATS_URL: u.nats,
      DATABASE_URL: withCredentials(u.postgresAdmin, "hrvend_writer", k.hrvend_writer),
    };
  },
  coverage: (s: StackState, k: Secrets): Record<string, string> => {
    const u = urlsOf(s, k);
    return {
      NATS_URL: u.nats,
      DATABASE_URL: withCredentials(u.postgresAdmin, "hrvend_writer", k.hrvend_writer),
    };
  },
  // Its own role; routing rules from the state dir (services/notifier/README.md). One instance
  // on a cluster too: its outbox claims rows, but its alert consumer is not partitioned.
  notifier: (s: StackState, k: Secrets): Record<string, string> => {
    const u = urlsOf(s, k);
    return {
      NATS_URL: u.nats,
      DATABASE_URL: withCredentials(u.postgresAdmin, "hrvend_notifier", k.hrvend_notifier),
      RULES_FILE: notifierRulesFile(s.stateDir),
    };
  },
} as const;

/** The notifier's routing rules on the local stack; without them `services start all` leaves it out. */
export const notifierRulesFile = (stateDir: string): string => join(stateDir, "notifier", "rules.yaml");
export type ServiceName = keyof typeof SERVICES;
type Name = ServiceName;
export const SERVICE_NAMES = Object.keys(SERVICES) as Name[];
const NAMES = SERVICE_NAMES;

interface Running {
  pid: number;
  logFile: string;
}

/**
 * A service instance's metrics port: HRVEND_METRICS_PORT (default 9464) for the gateway, the next
 * ports for recorder, stock, reorder and coverage in that order, + 10·(n−1) for instance n on a
 * cluster. 0 stays 0 (each process takes a free port), so stacks can run side by side.
 */
export function metricsPortOf(first: number, name: ServiceName, instance: number): number {
  if (first === 0) return 0;
  const port = first + SERVICE_NAMES.indexOf(name) + 10 * (instance - 1);
  if (port > 65535)
    throw new Error(
      `HRVEND_METRICS_PORT ${first} leaves no room for ${name}'s metrics port (${port} > 65535)`,
    );
  return port;
}

/** Partitions of a local cluster's subject space (`infra up --cluster`). */
export const CLUSTER_PARTITIONS = 8;
/** Instances of each service on a local cluster. */
export const CLUSTER_INSTANCES = 2;

/**
 * The instances of a service on this stack: `stock` on a single node; `stock-1`, `stock-2` on a
 * cluster, each with its own id and metrics port (see metricsPortOf).
 */
function instancesOf(
  stack: StackState,
  secrets: Secrets,
  name: Name,
  firstMetricsPort: number,
): { id: string; env: Record<string, string> }[] {
  const metricsPort = (instance: number) => String(metricsPortOf(firstMetricsPort, name, instance));
  const env = { ...SERVICES[name](stack, secrets), METRICS_PORT: metricsPort(1) };
  if (!stack.cluster || name === "notifier") return [{ id: name, env }];
  return Array.from({ length: CLUSTER_INSTANCES }, (_, i) => {
    const n = i + 1;
    const own: Record<string, string> =
      name === "gateway"
        ? { GATEWAY_ID: `local-${n}` }
        : { INSTANCE_ID: `local-${name}-${n}`, LEASE_SECONDS: "10" };
    return {
      id: `${name}-${n}`,
      env: {
        ...env,
        ...own,
        PARTITIONS: String(CLUSTER_PARTITIONS),
        STREAM_REPLICAS: "3",
        METRICS_PORT: metricsPort(n),
      },
    };
  });
}

function stateFile(config: CliConfig): string {
  return join(config.stateDir, "services.json");
}
function readRunning(config: CliConfig): Record<string, Running> {
  const f = stateFile(config);
  return existsSync(f) ? JSON.parse(readFileSync(f, "utf8")) : {};
}

function pick(which: string, t: TFunction): Name[] {
  if (which === "all") return NAMES;
  if (!(NAMES as string[]).includes(which))
    throw new Error(t("services.unknown", { which, names: NAMES.join(", ") }));
  return [which as Name];
}

/** Starts a service's instances against the local stack unless they run already; says what it did. */
export async function startLocalService(config: CliConfig, name: ServiceName): Promise<string> {
  const t = translator(config.lang, "cli");
  const stack = readStack(config.stateDir);
  if (!stack) throw new Error(t("errors.stackNotRunning"));
  const secrets = loadOrCreateSecrets(config.stateDir);
  if (name === "notifier" && !existsSync(notifierRulesFile(config.stateDir)))
    throw new Error(t("services.noRules", { file: notifierRulesFile(config.stateDir) }));
  mkdirSync(join(config.stateDir, "services"), { recursive: true });
  const said: string[] = [];
  for (const { id, env } of instancesOf(stack, secrets, name, config.metricsPort)) {
    const r = readRunning(config)[id];
    if (r && isAlive(r.pid)) {
      said.push(t("services.alreadyRunning", { id, pid: r.pid }));
      continue;
    }
    const logFile = join(config.stateDir, "services", `${id}.log`);
    const smtp = name === "notifier" ? config.env["HRVEND_SMTP_URL"] : undefined;
    const p = await spawnService(name, smtp ? { ...env, SMTP_URL: smtp } : env, { logFile, detached: true });
    writeFileSync(
      stateFile(config),
      JSON.stringify({ ...readRunning(config), [id]: { pid: p.pid, logFile } }, null, 2),
    );
    said.push(t("services.started", { id, pid: p.pid, log: logFile }));
  }
  return said.join("\n");
}

/** The running instances' names of a service (`stock`, or `stock-1`, `stock-2`…). */
function instanceIds(running: Record<string, Running>, name: Name): string[] {
  return Object.keys(running).filter((id) => id === name || new RegExp(`^${name}-\\d+$`).test(id));
}

/** Stops a service's instances gracefully; returns the pids that were running. */
export async function stopLocalService(config: CliConfig, name: ServiceName): Promise<number | undefined> {
  const running = readRunning(config);
  let stopped: number | undefined;
  for (const id of instanceIds(running, name)) {
    const r = running[id] as Running;
    if (isAlive(r.pid)) {
      await stopPid(r.pid, "SIGTERM", 20_000);
      stopped = r.pid;
    }
    delete running[id];
  }
  writeFileSync(stateFile(config), JSON.stringify(running, null, 2));
  return stopped;
}

export interface ServiceStatus {
  service: ServiceName;
  id: string;
  running: boolean;
  /** False only for the notifier without routing rules: not started on purpose, not a failure. */
  configured: boolean;
  pid?: number;
  log?: string;
}

/** Every service's instances this state dir started, or the service alone when none was. */
export function serviceStatus(config: CliConfig): ServiceStatus[] {
  const running = readRunning(config);
  return NAMES.flatMap((service): ServiceStatus[] => {
    const ids = instanceIds(running, service);
    const configured = service !== "notifier" || existsSync(notifierRulesFile(config.stateDir));
    if (ids.length === 0) return [{ service, id: service, running: false, configured }];
    return ids.map((id) => {
      const r = running[id] as Running;
      return { service, id, running: isAlive(r.pid), configured, pid: r.pid, log: r.logFile };
    });
  });
}

export function servicesCommand(config: CliConfig): Command {
  const t = translator(config.lang, "cli");
  const names = NAMES.join(", ");
  const cmd = new Command("services").description(t("services.description")).addHelpText(
    "after",
    `
${t("services.help", { names, dir: join(config.stateDir, "services") })}

${t("opt.examples")}
  npx hrvend services start all
  npx hrvend services status
  npx hrvend services stop all`,
  );

  cmd
    .command("start")
    .argument("[service]", t("services.which", { names }), "all")
    .description(t("services.start"))
    .addHelpText(
      "after",
      `\n${t("opt.examples")}\n  npx hrvend services start\n  npx hrvend services start stock`,
    )
    .action(async (which: string) => {
      for (const name of pick(which, t)) {
        if (which === "all" && name === "notifier" && !existsSync(notifierRulesFile(config.stateDir))) {
          console.log(t("services.notifierSkipped", { file: notifierRulesFile(config.stateDir) }));
          continue;
        }
        console.log(await startLocalService(config, name));
      }
    });

  cmd
    .command("stop")
    .argument("[service]", t("services.which", { names }), "all")
    .description(t("services.stop"))
    .addHelpText(
      "after",
      `\n${t("opt.examples")}\n  npx hrvend services stop\n  npx hrvend services stop gateway`,
    )
    .action(async (which: string) => {
      for (const name of pick(which, t).reverse()) {
        const stopped = await stopLocalService(config, name);
        if (stopped !== undefined) console.log(t("services.stopped", { id: name, pid: stopped }));
      }
    });

  cmd
    .command("status")
    .description(t("services.status"))
    .option("--json", t("services.json"))
    .addHelpText(
      "after",
      `
${t("services.statusHelp")}

${t("opt.examples")}
  npx hrvend services status
  npx hrvend services status --json`,
    )
    .action((opts: { json?: boolean }) => {
      const rows = serviceStatus(config);
      if (opts.json) console.log(JSON.stringify(rows, null, 2));
      else
        for (const r of rows)
          console.log(
            `${r.id.padEnd(12)} ${r.running ? t("services.running", { pid: r.pid, log: r.log }) : r.configured ? t("services.notRunning") : t("services.notConfigured", { file: notifierRulesFile(config.stateDir) })}`,
          );
      if (rows.some((r) => !r.running && r.configured)) process.exitCode = 3;
    });
  return cmd;
}
