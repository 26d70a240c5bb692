import { resolve } from "node:path";
import { DEFAULT_PORTS, type StackPorts } from "@hrvend/local-stack";
import { EnvFlag, parseEnv } from "@hrvend/runtime";
import { DEFAULT_LANG, LANGS, type Lang, parseLang } from "@hrvend/runtime/i18n";
import { z } from "zod";

/** `hrvend services start` gives gateway, recorder, stock, reorder and coverage this port and the next four. */
export const DEFAULT_METRICS_PORT = 9464;

/** The CLI's environment, read once here; nothing else reads process.env. */
const Env = z.object({
  HRVEND_STATE_DIR: z.string().min(1).default(".hrvend"),
  HRVEND_PG_PORT: z.coerce.number().int().min(1).max(65535).default(DEFAULT_PORTS.postgres),
  HRVEND_NATS_PORT: z.coerce.number().int().min(1).max(65535).default(DEFAULT_PORTS.nats),
  HRVEND_NATS_MONITOR_PORT: z.coerce.number().int().min(1).max(65535).default(DEFAULT_PORTS.natsMonitor),
  HRVEND_MQTT_PORT: z.coerce.number().int().min(1).max(65535).default(DEFAULT_PORTS.mqtt),
  /** The first of the services' metrics ports; 0 lets each service take any free port. */
  HRVEND_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(DEFAULT_METRICS_PORT),
  /** On/off (1, true, yes, on / 0, false, no, off): print stack traces of errors. */
  HRVEND_DEBUG: EnvFlag,
  /** The default of --database-url for report coverage, export figures and export dhis2 (kept out of argv). */
  DATABASE_URL: z.string().min(1).optional(),
  HRVEND_LANG: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === "" || isLang(v), { message: `not one of ${LANGS.join(", ")}` }),
});

const isLang = (v: string) => {
  try {
    parseLang(v);
    return true;
  } catch {
    return false;
  }
};

export interface CliConfig {
  stateDir: string;
  ports: StackPorts;
  /** The services' first metrics port (HRVEND_METRICS_PORT); 0: each takes a free port. */
  metricsPort: number;
  /** Language of what people read (reports, visit sheet, messages): HRVEND_LANG, default English. */
  lang: Lang;
  /** Print stack traces of errors. */
  debug: boolean;
  /** DATABASE_URL: the exports' database when --database-url is not given (scheduled exports). */
  databaseUrl?: string;
  /** The environment, for commands of other workspaces that validate their own variables. */
  env: Record<string, string | undefined>;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  const e = parseEnv(Env, env, "hrvend CLI");
  return {
    stateDir: resolve(e.HRVEND_STATE_DIR),
    debug: e.HRVEND_DEBUG,
    metricsPort: e.HRVEND_METRICS_PORT,
    lang: e.HRVEND_LANG ? parseLang(e.HRVEND_LANG, "HRVEND_LANG") : DEFAULT_LANG,
    env,
    ...(e.DATABASE_URL ? { databaseUrl: e.DATABASE_URL } : {}),
    ports: {
      postgres: e.HRVEND_PG_PORT,
      nats: e.HRVEND_NATS_PORT,
      natsMonitor: e.HRVEND_NATS_MONITOR_PORT,
      mqtt: e.HRVEND_MQTT_PORT,
    },
  };
}

/** HRVEND_CHROMIUM: the Chromium that prints PDFs and screenshots (default: Debian's, from provision.sh). */
export const CHROMIUM_PATH = process.env["HRVEND_CHROMIUM"] ?? "/usr/bin/chromium";

/** This process's PATH, for a child process that is given nothing else of the environment. */
export function inheritedPath(): string {
  return process.env["PATH"] ?? "";
}
