import { pbkdf2Sync, randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt from "mqtt";
import { InfraError } from "../errors";
import type { MqttUser } from "./accounts";

/**
 * Accounts and ACLs live in Mosquitto's dynamic-security plugin, not in `password_file` +
 * `acl_file`: Mosquitto 2.0.11's acl_file never checks SUBSCRIBE (security_default.c returns
 * success for every subscription, "FIXME - implement ACL subscription strings"), so any machine
 * could join the gateway's `$share/ingest/…` group, and the broker then dropped the messages it
 * handed that member (its READ check fails at delivery): acknowledged events lost. The plugin
 * (shipped in Debian's mosquitto package) checks SUBSCRIBE against each role's subscribe ACLs,
 * on the full filter including `$share/<group>/`, and refuses everything not granted
 * (defaultACLAccess all false): sources are write-only.
 */
export const DYNSEC_FILE = "dynamic-security.json";
const CONTROL_FILE = "control.json";
const CONTROL_TOPIC = "$CONTROL/dynamic-security/v1";
const RESPONSE_TOPIC = `${CONTROL_TOPIC}/response`;
const ADMIN_ROLE = "hrvend-dynsec-admin";
/** What the plugin itself uses for new passwords (PW_DEFAULT_ITERATIONS in mosquitto 2.0). */
const PBKDF2_ITERATIONS = 101;

const PLUGIN_CANDIDATES = [
  "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so",
  "/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so",
  "/usr/lib/mosquitto_dynamic_security.so",
  "/usr/local/lib/mosquitto_dynamic_security.so",
];

export function dynsecPluginPath(): string {
  const found = PLUGIN_CANDIDATES.find((p) => existsSync(p));
  if (!found)
    throw new InfraError(
      `mosquitto's dynamic-security plugin is missing (looked for ${PLUGIN_CANDIDATES.join(", ")}); install Debian's mosquitto 2.0 package`,
    );
  return found;
}

/** The plugin's administrator: the only account that may use $CONTROL/dynamic-security. */
export interface ControlAccount {
  username: string;
  password: string;
  port: number;
}

export function readControl(dir: string): ControlAccount | undefined {
  const f = join(dir, CONTROL_FILE);
  return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as ControlAccount) : undefined;
}

export function writeControl(dir: string, c: ControlAccount): void {
  writeFileSync(join(dir, CONTROL_FILE), JSON.stringify(c), { mode: 0o600 });
}

export function newControl(port: number): ControlAccount {
  return { username: "hrvend-dynsec", password: randomBytes(24).toString("base64url"), port };
}

export const roleOf = (username: string): string => `account-${username}`;

interface Acl {
  acltype: "publishClientSend" | "publishClientReceive" | "subscribePattern";
  topic: string;
  allow: true;
  priority: 0;
}

/**
 * An account's ACLs: publish → publishClientSend; a subscribe filter F → subscribe to F or to
 * `$share/<any group>/F` (the plugin matches the SUBSCRIBE's whole filter) and receive what
 * matches F. Nothing else is granted.
 */
export function aclsOf(u: MqttUser): Acl[] {
  const acl = (acltype: Acl["acltype"], topic: string): Acl => ({ acltype, topic, allow: true, priority: 0 });
  return [
    ...(u.publish ?? []).map((t) => acl("publishClientSend", t)),
    ...(u.subscribe ?? []).flatMap((f) => [
      acl("subscribePattern", f),
      acl("subscribePattern", `$share/+/${f}`),
      acl("publishClientReceive", f),
    ]),
  ];
}

function hashed(password: string): { password: string; salt: string; iterations: number } {
  // The plugin's own format (dynamic-security/auth.c): PBKDF2-HMAC-SHA512, 12-byte salt, base64.
  const salt = randomBytes(12);
  const hash = pbkdf2Sync(password, salt, PBKDF2_ITERATIONS, 64, "sha512");
  return { password: hash.toString("base64"), salt: salt.toString("base64"), iterations: PBKDF2_ITERATIONS };
}

/** The plugin's configuration file for a broker start: every account, hashed, with its role. */
export function dynsecConfig(users: MqttUser[], admin: ControlAccount): unknown {
  const adminAcls = [
    { acltype: "publishClientSend", topic: `${CONTROL_TOPIC}/#`, allow: true, priority: 0 },
    { acltype: "publishClientReceive", topic: `${CONTROL_TOPIC}/#`, allow: true, priority: 0 },
    { acltype: "subscribePattern", topic: `${CONTROL_TOPIC}/#`, allow: true, priority: 0 },
  ];
  return {
    defaultACLAccess: {
      publishClientSend: false,
      publishClientReceive: false,
      subscribe: false,
      unsubscribe: true,
    },
    clients: [
      { username: admin.username, ...hashed(admin.password), roles: [{ rolename: ADMIN_ROLE }] },
      ...users.map((u) => ({
        username: u.username,
        ...(u.clientId === undefined ? {} : { clientid: u.clientId }),
        ...hashed(u.password),
        roles: [{ rolename: roleOf(u.username) }],
      })),
    ],
    groups: [],
    roles: [
      { rolename: ADMIN_ROLE, acls: adminAcls },
      ...users.map((u) => ({ rolename: roleOf(u.username), acls: aclsOf(u) })),
    ],
  };
}

interface Command {
  command: string;
  correlationData?: string;
  [k: string]: unknown;
}

/** The plugin's commands that turn `before` into `after` for the accounts that changed. */
export function dynsecCommands(
  before: Map<string, MqttUser>,
  after: Map<string, MqttUser>,
): { commands: Command[]; tolerated: Set<number> } {
  const commands: Command[] = [];
  const tolerated = new Set<number>();
  for (const name of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(name);
    const now = after.get(name);
    if (was && now && same(was, now)) continue;
    // Deleting first (a missing client or role is fine) makes a re-run converge whatever state
    // an interrupted earlier run left; the plugin disconnects a deleted or changed client.
    tolerated.add(commands.length);
    commands.push({ command: "deleteClient", username: name });
    tolerated.add(commands.length);
    commands.push({ command: "deleteRole", rolename: roleOf(name) });
    if (now) {
      commands.push({ command: "createRole", rolename: roleOf(name), acls: aclsOf(now) });
      commands.push({
        command: "createClient",
        username: name,
        password: now.password,
        ...(now.clientId === undefined ? {} : { clientid: now.clientId }),
        roles: [{ rolename: roleOf(name) }],
      });
    }
  }
  return { commands, tolerated };
}

const same = (a: MqttUser, b: MqttUser): boolean =>
  JSON.stringify([a.password, a.publish ?? [], a.subscribe ?? [], a.clientId ?? null]) ===
  JSON.stringify([b.password, b.publish ?? [], b.subscribe ?? [], b.clientId ?? null]);

/**
 * Sends commands to the running broker's plugin as its administrator and waits for every
 * response (matched by correlationData: other administrators may be talking at the same time).
 */
export async function sendDynsecCommands(
  control: ControlAccount,
  commands: Command[],
  tolerated: Set<number>,
): Promise<void> {
  if (commands.length === 0) return;
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${control.port}`, {
    username: control.username,
    password: control.password,
    clientId: `hrvend-dynsec-${randomUUID().slice(0, 8)}`,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  try {
    const tag = randomUUID();
    const pending = new Map<string, number>();
    const failures: string[] = [];
    let settle: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    client.on("message", (_topic, payload) => {
      const { responses } = JSON.parse(payload.toString("utf8")) as {
        responses?: { command: string; error?: string; correlationData?: string }[];
      };
      for (const r of responses ?? []) {
        const i = r.correlationData === undefined ? undefined : pending.get(r.correlationData);
        if (i === undefined) continue;
        pending.delete(r.correlationData as string);
        if (r.error && !tolerated.has(i)) failures.push(`${r.command}: ${r.error}`);
      }
      if (pending.size === 0) settle();
    });
    await client.subscribeAsync(RESPONSE_TOPIC, { qos: 0 });
    const tagged = commands.map((c, i) => {
      const correlationData = `${tag}:${i}`;
      pending.set(correlationData, i);
      return { ...c, correlationData };
    });
    for (let i = 0; i < tagged.length; i += 200) {
      await client.publishAsync(CONTROL_TOPIC, JSON.stringify({ commands: tagged.slice(i, i + 200) }), {
        qos: 1,
      });
    }
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () =>
          reject(
            new InfraError(
              `mosquitto's dynamic-security plugin answered ${commands.length - pending.size} of ${commands.length} commands`,
            ),
          ),
        30_000 + commands.length * 20,
      ).unref(),
    );
    await Promise.race([done, timeout]);
    if (failures.length > 0)
      throw new InfraError(`mosquitto refused account changes: ${failures.slice(0, 5).join("; ")}`);
  } finally {
    await client.endAsync().catch(() => undefined);
  }
}

/** A command of the plugin's control API (createClient, deleteClient, getClient, …). */
export type DynsecCommand = Command;

/** The plugin's administrator on any broker (production: TLS, its own host), not only a local one. */
export interface DynsecAdmin {
  url: string;
  username: string;
  password: string;
  /** CA certificate (PEM) of an mqtts:// broker. */
  ca?: string;
}

/** One answer of the plugin: `error` when the command failed, `data` for get… commands. */
export interface DynsecResponse {
  command: string;
  error?: string;
  data?: Record<string, unknown>;
}

/** The local broker's administrator (control.json), as a DynsecAdmin. */
export const localDynsecAdmin = (c: ControlAccount): DynsecAdmin => ({
  url: `mqtt://127.0.0.1:${c.port}`,
  username: c.username,
  password: c.password,
});

/**
 * Sends commands to the plugin ($CONTROL/dynamic-security/v1) and returns its answers in the
 * commands' order, errors included (the caller decides which are fatal). No broker restart: the
 * plugin applies each change at once and writes its own file.
 */
export async function dynsecRequest(
  admin: DynsecAdmin,
  commands: DynsecCommand[],
): Promise<DynsecResponse[]> {
  if (commands.length === 0) return [];
  const client = await mqtt.connectAsync(admin.url, {
    username: admin.username,
    password: admin.password,
    clientId: `hrvend-dynsec-${randomUUID().slice(0, 8)}`,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    ...(admin.ca === undefined ? {} : { ca: admin.ca }),
  });
  try {
    const tag = randomUUID();
    const answers: (DynsecResponse | undefined)[] = commands.map(() => undefined);
    let left = commands.length;
    let settle: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    client.on("message", (_topic, payload) => {
      const { responses } = JSON.parse(payload.toString("utf8")) as {
        responses?: (DynsecResponse & { correlationData?: string })[];
      };
      for (const { correlationData, ...r } of responses ?? []) {
        const [t, i] = (correlationData ?? "").split("|");
        const at = Number(i);
        if (t !== tag || answers[at] !== undefined) continue;
        answers[at] = r;
        if (--left === 0) settle();
      }
    });
    await client.subscribeAsync(RESPONSE_TOPIC, { qos: 0 });
    const tagged = commands.map((c, i) => ({ ...c, correlationData: `${tag}|${i}` }));
    await client.publishAsync(CONTROL_TOPIC, JSON.stringify({ commands: tagged }), { qos: 1 });
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () =>
          reject(
            new InfraError(
              `mosquitto's dynamic-security plugin answered ${commands.length - left} of ${commands.length} commands (is ${admin.username} its administrator?)`,
            ),
          ),
        15_000,
      ).unref(),
    );
    await Promise.race([done, timeout]);
    return answers as DynsecResponse[];
  } finally {
    await client.endAsync().catch(() => undefined);
  }
}
