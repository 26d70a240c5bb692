import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The deployment's secrets, generated on first use into the state dir (mode 0600) and never
 * committed: the key behind card tokens and device passwords, and the database passwords.
 */
export interface Secrets {
  deploymentSecret: string;
  postgres: string;
  hrvend_writer: string;
  /** The audiences' database logins (infra/runtime/src/db/roles.ts, DB_ROLES). */
  hrvend_admin_national: string;
  hrvend_outreach: string;
  hrvend_funder: string;
  hrvend_operator: string;
  /** The notifier service's own login (migration 0021_notifier). */
  hrvend_notifier: string;
  mqttGateway: string;
  mqttOperator: string;
}

const KEYS: (keyof Secrets)[] = [
  "deploymentSecret",
  "postgres",
  "hrvend_writer",
  "hrvend_admin_national",
  "hrvend_outreach",
  "hrvend_funder",
  "hrvend_operator",
  "hrvend_notifier",
  "mqttGateway",
  "mqttOperator",
];

export const newSecret = (): string => randomBytes(32).toString("base64url");

export function loadOrCreateSecrets(stateDir: string): Secrets {
  const file = join(stateDir, "secrets.json");
  const existing = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Partial<Secrets>) : {};
  const secrets = Object.fromEntries(KEYS.map((k) => [k, existing[k] ?? newSecret()])) as unknown as Secrets;
  if (KEYS.some((k) => existing[k] === undefined)) {
    // The servers (postgres, mosquitto users) must traverse it; the secret files are 0600.
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    // The simulator reads the deployment secret from its own file (see devices/README.md).
    writeFileSync(join(stateDir, "secret"), secrets.deploymentSecret, { mode: 0o600 });
  }
  return secrets;
}
