import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Readers for the production deployment files in infra/deploy (systemd units, env files, NATS configs). */

export const DEPLOY = resolve(dirname(fileURLToPath(import.meta.url)), "../../infra/deploy");

export const read = (path: string): string => readFileSync(join(DEPLOY, path), "utf8");
export const list = (dir: string): string[] => readdirSync(join(DEPLOY, dir)).sort();

/**
 * An env file as systemd's EnvironmentFile= reads it: `KEY=value` lines, `#` or `;` comment
 * lines, optional surrounding quotes. A `#` after a value is part of the value (as in systemd),
 * so a trailing comment shows up as a bad value. Any other line is an error.
 */
export function parseEnvFile(text: string, name: string): Record<string, string> {
  const env: Record<string, string> = {};
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new Error(`${name}:${i + 1}: not KEY=value: ${raw}`);
    const [, key, value] = m as unknown as [string, string, string];
    if (key in env) throw new Error(`${name}:${i + 1}: ${key} set twice`);
    const quoted = /^(["'])(.*)\1$/.exec(value);
    env[key] = quoted ? (quoted[2] as string) : value;
  });
  return env;
}

export interface EnvironmentFile {
  /** As written in the unit, with %i replaced by the instance. */
  installed: string;
  /** `EnvironmentFile=-…`: systemd skips it when missing. */
  optional: boolean;
}

/** The EnvironmentFile= lines of a unit's [Service] section, in order, for one instance. */
export function unitEnvironmentFiles(unit: string, instance: string): EnvironmentFile[] {
  return [...unit.matchAll(/^EnvironmentFile=(-?)(\S+)\s*$/gm)].map((m) => ({
    optional: m[1] === "-",
    installed: (m[2] as string).replaceAll("%i", instance),
  }));
}

/** A unit's single-valued setting (ExecStart, WorkingDirectory…). */
export function unitSetting(unit: string, key: string): string | undefined {
  return new RegExp(`^${key}=(.*)$`, "m").exec(unit)?.[1]?.trim();
}

/**
 * Where the repository keeps the file a unit loads (README.md, "what to copy where"):
 * /etc/hrvend/secrets/X → env/secrets.example/X, /etc/hrvend/X → env/X.
 */
export function repoPathOf(installed: string): string {
  const secrets = /^\/etc\/hrvend\/secrets\/([^/]+)$/.exec(installed);
  if (secrets) return `env/secrets.example/${secrets[1]}`;
  const plain = /^\/etc\/hrvend\/([^/]+)$/.exec(installed);
  if (plain) return `env/${plain[1]}`;
  throw new Error(`unit loads ${installed}, which is not under /etc/hrvend`);
}

/** The unit's env files merged in order (later files win), as systemd hands them to the service. */
export function mergedEnv(unit: string, instance: string): { env: Record<string, string>; files: string[] } {
  const env: Record<string, string> = {};
  const files: string[] = [];
  for (const f of unitEnvironmentFiles(unit, instance)) {
    const path = repoPathOf(f.installed);
    if (!existsSync(join(DEPLOY, path))) {
      if (f.optional) continue;
      throw new Error(`${f.installed} is required by the unit but ${path} does not exist`);
    }
    files.push(path);
    Object.assign(env, parseEnvFile(read(path), path));
  }
  return { env, files };
}

// ---- nats-server configuration (the subset the deployment files use) ----

const stripComments = (text: string): string =>
  text
    .split("\n")
    .map((l) => l.replace(/(^|\s)(#|\/\/).*$/, ""))
    .join("\n");

/** The text of `name { … }` (or `name: { … }`) at the top level of `text`, braces matched. */
export function block(text: string, name: string): string | undefined {
  const m = new RegExp(`(^|\\n)\\s*${name}\\s*:?\\s*\\{`).exec(text);
  if (!m) return undefined;
  const start = m.index + m[0].length;
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(start, i);
  }
  throw new Error(`unbalanced braces after '${name}'`);
}

/** Removes `name { … }` blocks so what remains is the enclosing level's own settings. */
function withoutBlock(text: string, name: string): string {
  const inner = block(text, name);
  return inner === undefined ? text : text.replace(inner, "");
}

const setting = (text: string, key: string): string | undefined =>
  new RegExp(`(^|\\n)\\s*${key}\\s*[:=]\\s*([^\\s,]+)`).exec(text)?.[2]?.replace(/^"(.*)"$/, "$1");

export interface NatsUser {
  user: string;
  /** The password as written: `$VAR` means "from the environment". */
  password: string;
  account: string;
  accountHasJetStream: boolean;
}

export interface NatsNode {
  file: string;
  serverName: string;
  clientPort: number;
  clusterName: string;
  clusterPort: number;
  routes: URL[];
  users: NatsUser[];
}

const portOf = (listen: string | undefined, what: string): number => {
  const port = Number(listen?.split(":").pop());
  if (!Number.isInteger(port) || port <= 0) throw new Error(`no ${what} port in '${listen}'`);
  return port;
};

/** One node's config with its `include`s inlined (paths relative to the including file). */
function loadNatsText(file: string): string {
  const text = stripComments(read(file));
  return text.replace(/^\s*include\s+["']?([^"'\s]+)["']?\s*$/gm, (_, inc: string) =>
    loadNatsText(join(dirname(file), inc)),
  );
}

function natsUsers(text: string): NatsUser[] {
  const accounts = block(text, "accounts");
  if (!accounts) return [];
  const users: NatsUser[] = [];
  for (const m of accounts.matchAll(/(^|\n)\s*(\w+)\s*:?\s*\{/g)) {
    const account = m[2] as string;
    const body = block(accounts.slice(m.index), account);
    if (body === undefined) continue;
    // Only accounts at the top level of `accounts` (not `permissions`, `publish`… inside them).
    const before = accounts.slice(0, m.index);
    if ((before.match(/\{/g)?.length ?? 0) !== (before.match(/\}/g)?.length ?? 0)) continue;
    for (const u of body.matchAll(/\buser\s*:\s*([\w-]+)\s*,?\s*password\s*:\s*("[^"]*"|\S+)/g)) {
      users.push({
        user: u[1] as string,
        password: (u[2] as string).replace(/^"(.*)"$/, "$1"),
        account,
        accountHasJetStream: /\bjetstream\s*:\s*enabled\b/.test(body),
      });
    }
  }
  return users;
}

export function loadNatsNode(file: string): NatsNode {
  const text = loadNatsText(file);
  const cluster = block(text, "cluster");
  if (!cluster) throw new Error(`${file}: no cluster block`);
  const top = ["cluster", "jetstream", "accounts"].reduce(withoutBlock, text);
  const routes = /routes\s*[:=]?\s*\[([^\]]*)\]/.exec(cluster)?.[1] ?? "";
  return {
    file,
    serverName: setting(top, "server_name") ?? "",
    clientPort: portOf(setting(top, "listen"), "client"),
    clusterName: setting(cluster, "name") ?? "",
    clusterPort: portOf(setting(withoutBlock(cluster, "tls"), "listen"), "cluster"),
    routes: routes
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((r) => new URL(r.replace(/^"(.*)"$/, "$1"))),
    users: natsUsers(text),
  };
}
