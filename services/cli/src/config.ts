import { resolve } from "node:path";
import { DEFAULT_PORTS, parseEnv, type StackPorts } from "@hrvend/infra";
import { z } from "zod";

/** The CLI's environment, read once here; nothing else reads process.env. */
const Env = z.object({
  HRVEND_STATE_DIR: z.string().min(1).default(".hrvend"),
  HRVEND_PG_PORT: z.coerce.number().int().min(1).max(65535).default(DEFAULT_PORTS.postgres),
  HRVEND_NATS_PORT: z.coerce.number().int().min(1).max(65535).default(DEFAULT_PORTS.nats),
  HRVEND_NATS_MONITOR_PORT: z.coerce.number().int().min(1).max(65535).default(DEFAULT_PORTS.natsMonitor),
  HRVEND_MQTT_PORT: z.coerce.number().int().min(1).max(65535).default(DEFAULT_PORTS.mqtt),
  HRVEND_DEBUG: z.string().optional(),
});

export interface CliConfig {
  stateDir: string;
  ports: StackPorts;
  /** Print stack traces of errors. */
  debug: boolean;
  /** The environment, for commands of other workspaces that validate their own variables. */
  env: Record<string, string | undefined>;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  const e = parseEnv(Env, env, "hrvend CLI");
  return {
    stateDir: resolve(e.HRVEND_STATE_DIR),
    debug: Boolean(e.HRVEND_DEBUG),
    env,
    ports: {
      postgres: e.HRVEND_PG_PORT,
      nats: e.HRVEND_NATS_PORT,
      natsMonitor: e.HRVEND_NATS_MONITOR_PORT,
      mqtt: e.HRVEND_MQTT_PORT,
    },
  };
}
