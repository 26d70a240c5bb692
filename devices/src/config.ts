import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { ConfigError, SecretError } from "./errors";
import type { Speed } from "./run/run-simulation";

/** The options `hrvend simulate` accepts (commander's camelCase names) and the one variable it reads. */
const Options = z.strictObject({
  scenario: z.string().min(1, "give a scenario name (small, pilot, estate) or a path to a .json file"),
  days: z.coerce
    .number()
    .positive("must be a positive number of days")
    .max(3650, "must be at most 3650 days"),
  seed: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, '_' or '-'"),
  speed: z.string().optional(),
  mqtt: z
    .string()
    .regex(/^(mqtts?|tcp|tls|wss?):\/\/[^\s]+$/, "must be a broker URL such as mqtt://localhost:1883")
    .optional(),
  out: z.string().min(1).optional(),
  ledger: z.string().min(1).optional(),
  stateDir: z.string().min(1),
  secretFile: z.string().min(1),
  fresh: z.boolean(),
  progress: z.boolean(),
  start: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time with offset" }).optional(),
  maxInflight: z.coerce.number().int().min(1).max(100_000),
});

const Env = z.object({ HRVEND_DEPLOYMENT_SECRET: z.string().optional() });

export type SimulateOptions = z.input<typeof Options>;

export type Output = { kind: "file"; path: string } | { kind: "mqtt"; url: string };

export interface SimulateConfig {
  scenario: string;
  days: number;
  seed: string;
  speed: Speed;
  output: Output;
  ledger: string | undefined;
  /** Folder of this run's outbox state (MQTT mode): `<state-dir>/<scenario>-<seed>`. */
  stateDir: string;
  secret: string;
  fresh: boolean;
  progress: boolean;
  start: number | undefined;
  maxInflight: number;
}

/** The process environment: the one place of this workspace that reads process.env. */
export function processEnvironment(): Record<string, string | undefined> {
  return process.env;
}

export const DEFAULT_MQTT_URL = "mqtt://localhost:1883";
const MIN_SECRET_CHARS = 16;

/**
 * Reads the options and environment once into a validated config. `--out` selects file mode;
 * otherwise events go to `--mqtt-url` (default mqtt://localhost:1883). Speed defaults to `max` for a
 * file and `realtime` for a broker. The deployment secret comes from HRVEND_DEPLOYMENT_SECRET or
 * the secret file, never from code.
 */
export function loadSimulateConfig(
  options: SimulateOptions,
  env: Record<string, string | undefined>,
): SimulateConfig {
  const parsed = Options.safeParse(options);
  if (!parsed.success) {
    throw new ConfigError(
      `invalid options: ${parsed.error.issues.map((i) => `--${kebab(i.path.join("."))}: ${i.message}`).join("; ")}`,
    );
  }
  const o = parsed.data;
  if (o.out !== undefined && o.mqtt !== undefined) {
    throw new ConfigError(
      "give either --out (write events to a file) or --mqtt-url (publish to a broker), not both",
    );
  }
  const output: Output =
    o.out !== undefined ? { kind: "file", path: o.out } : { kind: "mqtt", url: o.mqtt ?? DEFAULT_MQTT_URL };
  const speed = parseSpeed(o.speed ?? (output.kind === "file" ? "max" : "realtime"));
  const e = Env.parse(env);
  return {
    scenario: o.scenario,
    days: o.days,
    seed: o.seed,
    speed,
    output,
    ledger: o.ledger,
    stateDir: resolve(o.stateDir, `${o.scenario.replace(/[^A-Za-z0-9_-]/g, "_")}-${o.seed}`),
    secret: readSecret(e.HRVEND_DEPLOYMENT_SECRET, o.secretFile),
    fresh: o.fresh,
    progress: o.progress,
    start: o.start === undefined ? undefined : Date.parse(o.start),
    maxInflight: o.maxInflight,
  };
}

/** `realtime` = 1, `max`, or a positive factor (simulated seconds per second). */
export function parseSpeed(s: string): Speed {
  if (s === "realtime") return 1;
  if (s === "max") return "max";
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConfigError(`--speed: '${s}' is not realtime, max or a positive number`);
  return n;
}

function readSecret(fromEnv: string | undefined, file: string): string {
  let secret = fromEnv?.trim();
  if (!secret) {
    try {
      secret = readFileSync(file, "utf8").trim();
    } catch {
      throw new SecretError(
        `no deployment secret: set HRVEND_DEPLOYMENT_SECRET or create ${file} ` +
          `(e.g. mkdir -p .hrvend && head -c 32 /dev/urandom | base64 > ${file})`,
      );
    }
  }
  if (secret.length < MIN_SECRET_CHARS) {
    throw new SecretError(`the deployment secret must be at least ${MIN_SECRET_CHARS} characters`);
  }
  return secret;
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
