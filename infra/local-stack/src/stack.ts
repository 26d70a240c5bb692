import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { InfraError, loadOrCreateSecrets, type MqttUser, type Secrets, sourceUser } from "@hrvend/runtime";
import {
  createDb,
  ensureDatabase,
  migrateToLatest,
  setRolePasswords,
  withDatabase,
} from "@hrvend/runtime/db";
import type { Migration } from "kysely";
import { startMosquitto } from "./mosquitto";
import { startNats } from "./nats";
import { type ClusterNodePorts, clusterUrl, startClusterNode } from "./nats-cluster";
import { isPortOpen } from "./ports";
import { postmasterPid, startPostgres } from "./postgres";
import { isAlive, stopPid } from "./process";
import type { ServerHandle } from "./server";

export interface StackPorts {
  postgres: number;
  nats: number;
  natsMonitor: number;
  mqtt: number;
}

/** Defaults stay clear of the machine's own services (5432, 4222, 1883). */
export const DEFAULT_PORTS: StackPorts = { postgres: 55432, nats: 14222, natsMonitor: 18222, mqtt: 11883 };
export const DATABASE = "hrvend";

/** postgres, nats (or the cluster's nats-1…nats-3), mosquitto. */
type Part = string;
const PARTS: Part[] = ["postgres", "nats", "mosquitto"];
const CLUSTER_PARTS: Part[] = ["postgres", "nats-1", "nats-2", "nats-3", "mosquitto"];
const partsOf = (state: { cluster?: unknown }) => (state.cluster ? CLUSTER_PARTS : PARTS);

/**
 * The cluster's loopback ports from the stack's: clients on the NATS port and the two after it
 * (14222-14224 by default), routes 2000 above them, monitoring from the monitor port up.
 */
export function clusterPorts(ports: StackPorts): ClusterNodePorts[] {
  return [0, 1, 2].map((i) => ({
    client: ports.nats + i,
    route: ports.nats + 2000 + i,
    monitor: ports.natsMonitor + i,
  }));
}

export interface PartState {
  pid: number;
  port: number;
  /** URL without credentials: safe to print. */
  url: string;
  dir: string;
  logFile: string;
}

export interface StackState {
  stateDir: string;
  ports: StackPorts;
  /** Set for a 3-node NATS cluster (`infra up --cluster`). */
  cluster?: ClusterNodePorts[];
  parts: Partial<Record<Part, PartState>>;
}

/** Connection URLs with credentials, for the CLI and services started against the local stack. */
export interface StackUrls {
  postgresAdmin: string;
  nats: string;
  mqtt: string;
}

export function stackFile(stateDir: string): string {
  return join(stateDir, "stack.json");
}

export function readStack(stateDir: string): StackState | undefined {
  const f = stackFile(stateDir);
  return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as StackState) : undefined;
}

function writeStack(state: StackState): void {
  writeFileSync(stackFile(state.stateDir), `${JSON.stringify(state, null, 2)}\n`);
}

export function urlsOf(state: StackState, secrets: Secrets): StackUrls {
  return {
    postgresAdmin: `postgres://postgres:${encodeURIComponent(secrets.postgres)}@127.0.0.1:${state.ports.postgres}/${DATABASE}`,
    nats: state.cluster ? clusterUrl(state.cluster) : `nats://127.0.0.1:${state.ports.nats}`,
    mqtt: `mqtt://127.0.0.1:${state.ports.mqtt}`,
  };
}

/**
 * Accounts every local stack has. The gateway: the only account that may read (subscribe to
 * hr/v1/#, in the $share/ingest group or directly); it publishes nothing. The operator: an
 * operator source in every prison, publishing only the operator's kinds (KIND_SOURCE_TYPE) under
 * hr/v1/<prison>/operator/hrvend-operator/<kind>; it reads nothing (raw events carry card tokens).
 */
export function baseMqttUsers(secrets: Secrets): MqttUser[] {
  return [
    { username: "hrvend-gateway", password: secrets.mqttGateway, subscribe: ["hr/v1/#"] },
    sourceUser("+", "operator", "hrvend-operator", secrets.mqttOperator),
  ];
}

function running(p: PartState | undefined, part: Part): boolean {
  if (!p) return false;
  if (part === "postgres") return postmasterPid(p.dir) === p.pid;
  return isAlive(p.pid);
}

export type Progress = (line: string) => void;

/**
 * Starts whatever part of the local stack is not running, in `stateDir`, detached from this
 * process; then creates and migrates the database. Idempotent: a second call changes nothing.
 */
export async function stackUp(
  stateDir: string,
  ports: StackPorts,
  say: Progress,
  opts: { cluster?: boolean; migrations: Record<string, Migration> },
): Promise<{ state: StackState; urls: StackUrls }> {
  const dir = resolve(stateDir);
  mkdirSync(dir, { recursive: true });
  // A single-node stream and a cluster's partitioned one are different streams; the database's
  // positions belong to one of them.
  const other = opts.cluster ? join(dir, "nats") : join(dir, "nats-1");
  if (existsSync(other)) {
    throw new InfraError(
      `${dir} holds a ${opts.cluster ? "single-node" : "cluster"} stack; use another state dir (HRVEND_STATE_DIR=.hrvend-${opts.cluster ? "cluster" : "single"}) or remove this one`,
      { dir },
    );
  }
  const secrets = loadOrCreateSecrets(dir);
  const previous = readStack(dir);
  const state: StackState = {
    stateDir: dir,
    ports,
    ...(opts.cluster ? { cluster: clusterPorts(ports) } : {}),
    parts: {},
  };
  for (const part of partsOf(state)) {
    const prev = previous?.parts[part];
    if (prev && running(prev, part)) {
      say(`${part}: already running (pid ${prev.pid}) at ${prev.url}`);
      state.parts[part] = prev;
      continue;
    }
    const node = CLUSTER_PARTS.indexOf(part) - 1;
    const port =
      part === "postgres"
        ? ports.postgres
        : part === "mosquitto"
          ? ports.mqtt
          : state.cluster
            ? (state.cluster[node] as ClusterNodePorts).client
            : ports.nats;
    if (await isPortOpen(port)) {
      throw new InfraError(
        `port ${port} for ${part} is already taken by another program; choose another with --${part}-port`,
        { port },
      );
    }
    const handle = state.cluster?.[node]
      ? await startClusterNode({ dir, nodes: state.cluster, detached: true }, node)
      : await startPart(part, join(dir, part), ports, secrets);
    state.parts[part] = {
      pid: handle.pid,
      port: handle.port,
      url: redact(handle.url),
      dir: handle.dir,
      logFile: handle.logFile,
    };
    writeStack(state);
    say(`${part}: started (pid ${handle.pid}) at ${redact(handle.url)}`);
  }
  writeStack(state);
  const urls = urlsOf(state, secrets);
  await prepareDatabase(urls.postgresAdmin, secrets, say, opts.migrations);
  return { state, urls };
}

async function startPart(
  part: Part,
  dir: string,
  ports: StackPorts,
  secrets: Secrets,
): Promise<ServerHandle> {
  mkdirSync(dir, { recursive: true });
  switch (part) {
    case "postgres":
      return startPostgres({
        dir,
        port: ports.postgres,
        detached: true,
        superuserPassword: secrets.postgres,
      });
    case "nats":
      return startNats({ dir, port: ports.nats, monitorPort: ports.natsMonitor, detached: true });
    default:
      return startMosquitto({ dir, port: ports.mqtt, detached: true, users: baseMqttUsers(secrets) });
  }
}

/** Creates the database if missing, applies `migrations` (the CLI's `MIGRATIONS`) and sets the roles' passwords. */
export async function prepareDatabase(
  adminUrl: string,
  secrets: Secrets,
  say: Progress,
  migrations: Record<string, Migration>,
): Promise<void> {
  const admin = createDb(withDatabase(adminUrl, "postgres"), { max: 1 });
  try {
    await ensureDatabase(admin, DATABASE);
  } finally {
    await admin.destroy();
  }
  const db = createDb(withDatabase(adminUrl, DATABASE), { max: 1 });
  try {
    const applied = await migrateToLatest(db, migrations);
    say(applied.length ? `database: applied ${applied.join(", ")}` : "database: schema up to date");
    await setRolePasswords(db, secrets);
  } finally {
    await db.destroy();
  }
}

/** Stops exactly the processes `stackUp` started (by their recorded pids). */
export async function stackDown(stateDir: string, say: Progress): Promise<void> {
  const state = readStack(resolve(stateDir));
  if (!state) {
    say("nothing to stop: no stack was started from this state dir");
    return;
  }
  for (const part of [...partsOf(state)].reverse()) {
    const p = state.parts[part];
    if (!p) continue;
    if (running(p, part)) {
      await stopPid(p.pid, part === "postgres" ? "SIGINT" : "SIGTERM", 30_000);
      say(`${part}: stopped (pid ${p.pid})`);
    } else {
      say(`${part}: was not running`);
    }
  }
  rmSync(stackFile(state.stateDir), { force: true });
}

export interface PartStatus {
  part: Part;
  running: boolean;
  pid?: number;
  url?: string;
  log?: string;
}

export async function stackStatus(stateDir: string): Promise<PartStatus[]> {
  const state = readStack(resolve(stateDir));
  return Promise.all(
    partsOf(state ?? {}).map(async (part) => {
      const p = state?.parts[part];
      if (!p) return { part, running: false };
      const up = running(p, part) && (await isPortOpen(p.port));
      return { part, running: up, pid: p.pid, url: p.url, log: p.logFile };
    }),
  );
}

function redact(url: string): string {
  const u = new URL(url);
  u.password = "";
  u.username = "";
  return u.toString().replace(/\/$/, "");
}
