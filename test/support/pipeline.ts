import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateToLatest } from "@hrvend/cli/db";
import { deviceCredentials, loadScenario, type Scenario } from "@hrvend/devices";
import {
  type ClusterNodePorts,
  clusterUrl,
  freePort,
  type ServerHandle,
  startClusterNode,
  startMosquitto,
  startNats,
  startPostgres,
  stopPid,
} from "@hrvend/local-stack";
import { committedPositions } from "@hrvend/recorder/read";
import { planFreshness } from "@hrvend/reorder/read";
import { newSecret } from "@hrvend/runtime";
import {
  createDb,
  type Database,
  DB_ROLES,
  type DbRole,
  ensureDatabase,
  setRolePasswords,
  withCredentials,
  withDatabase,
} from "@hrvend/runtime/db";
import { natsServers } from "@hrvend/runtime/nats";
import { LocalCalendar } from "@hrvend/runtime/time";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import type { Kysely } from "kysely";
import { type ServiceProcess, startService } from "./services";
import { runSimulator } from "./simulator";

/** The services on the pipeline's path, in start order; the last four consume the events stream. */
export const SERVICES = ["gateway", "recorder", "stock", "reorder", "coverage"] as const;
export type ServiceName = (typeof SERVICES)[number];
export const CONSUMERS = ["recorder", "stock", "reorder", "coverage"] as const;
export const SERVERS = ["mosquitto", "nats", "postgres"] as const;
export type ServerName = (typeof SERVERS)[number];
export type Component = ServiceName | ServerName;

/** Cluster mode: three NATS nodes with R3 streams, two instances of every service, partitions. */
export interface ClusterOptions {
  /** Partitions of the subject space (PARTITIONS of every service). */
  partitions: number;
  /** LEASE_SECONDS: how soon a dead instance's partitions are taken over. */
  leaseSeconds: number;
}
export const NATS_NODES = ["nats-1", "nats-2", "nats-3"] as const;
export const INSTANCES = [1, 2] as const;

/**
 * The whole system of its own for one test or benchmark: private mosquitto, nats-server and
 * PostgreSQL+TimescaleDB on free loopback ports (so any of them can be killed without touching
 * other tests), every service as its own process, and the simulator publishing a scenario.
 */
export class Pipeline {
  /** By instance: the service's name, or `<service>-<n>` in cluster mode. */
  readonly services = new Map<string, ServiceProcess>();
  /** By server: mosquitto, postgres, and nats or nats-1…nats-3. */
  readonly servers = new Map<string, ServerHandle>();
  private natsNodes: ClusterNodePorts[] = [];
  db!: Kysely<Database>;
  adminUrl!: string;
  writerUrl!: string;
  readonly secret = newSecret();
  private readonly pgPassword = newSecret();
  private readonly rolePassword = newSecret();
  private readonly ports = new Map<string, number>();

  private constructor(
    readonly dir: string,
    readonly scenario: Scenario,
    readonly label: string,
    readonly cluster?: ClusterOptions,
  ) {}

  /** The server names: in cluster mode the three NATS nodes replace `nats`. */
  get serverNames(): string[] {
    return this.cluster ? ["mosquitto", ...NATS_NODES, "postgres"] : [...SERVERS];
  }

  /** The service instances in start order. */
  get instanceNames(): string[] {
    return this.cluster ? SERVICES.flatMap((s) => INSTANCES.map((i) => `${s}-${i}`)) : [...SERVICES];
  }

  static async start(scenarioName: string, label: string, cluster?: ClusterOptions): Promise<Pipeline> {
    const dir = mkdtempSync(join(tmpdir(), `hrvend-${label}-`));
    chmodSync(dir, 0o755);
    const p = new Pipeline(dir, loadScenario(scenarioName).scenario, label, cluster);
    for (const k of ["mosquitto", "nats", "natsMonitor", "postgres"]) p.ports.set(k, await freePort());
    if (cluster)
      for (const _ of NATS_NODES)
        p.natsNodes.push({ client: await freePort(), route: await freePort(), monitor: await freePort() });
    try {
      for (const s of p.serverNames) await p.startServer(s);
      const admin = createDb(p.servers.get("postgres")?.url as string, { max: 1 });
      await ensureDatabase(admin, "hrvend");
      await admin.destroy();
      p.adminUrl = withDatabase(p.servers.get("postgres")?.url as string, "hrvend");
      p.db = createDb(p.adminUrl, { max: 4, onIdleError: () => undefined });
      await migrateToLatest(p.db);
      await setRolePasswords(
        p.db,
        Object.fromEntries(DB_ROLES.map((r) => [r, p.rolePassword])) as Record<DbRole, string>,
      );
      p.writerUrl = withCredentials(p.adminUrl, "hrvend_writer", p.rolePassword);
      for (const s of p.instanceNames) await p.startServiceProcess(s);
      return p;
    } catch (e) {
      await p.stop();
      throw e;
    }
  }

  roleUrl(role: Exclude<DbRole, "hrvend_writer">): string {
    return withCredentials(this.adminUrl, role, this.rolePassword);
  }

  /** One server, or the cluster's three as a comma-separated list. */
  get natsUrl(): string {
    return this.cluster ? clusterUrl(this.natsNodes) : `nats://127.0.0.1:${this.ports.get("nats")}`;
  }
  get mqttUrl(): string {
    return `mqtt://127.0.0.1:${this.ports.get("mosquitto")}`;
  }

  async startServer(name: string): Promise<void> {
    const dir = join(this.dir, name);
    const port = this.ports.get(name) as number;
    const node = (NATS_NODES as readonly string[]).indexOf(name);
    const handle =
      node >= 0
        ? await startClusterNode({ dir: this.dir, nodes: this.natsNodes }, node)
        : name === "mosquitto"
          ? await startMosquitto({
              dir,
              port,
              users: [
                ...deviceCredentials(this.scenario, this.secret),
                { username: "gw", password: "gw", subscribe: ["hr/v1/#"] },
              ],
            })
          : name === "nats"
            ? await startNats({ dir, port, monitorPort: this.ports.get("natsMonitor") as number })
            : await startPostgres({ dir, port, superuserPassword: this.pgPassword });
    this.servers.set(name, handle);
  }

  serviceEnv(instance: string): Record<string, string> {
    const name = serviceOf(instance);
    const clustered: Record<string, string> = this.cluster
      ? {
          PARTITIONS: String(this.cluster.partitions),
          STREAM_REPLICAS: "3",
          INSTANCE_ID: `${this.label}-${instance}`,
          LEASE_SECONDS: String(this.cluster.leaseSeconds),
        }
      : {};
    const env = this.serviceOwnEnv(name, instance);
    if (name === "gateway") {
      const { INSTANCE_ID: _, LEASE_SECONDS: __, ...gateway } = clustered;
      // A registration accepted by the other gateway reaches this one through the R3 stream,
      // which on a loaded 2-core machine (the whole test suite in parallel) can take more than
      // the default 3 s.
      const grace = this.cluster ? { UNKNOWN_MACHINE_GRACE_MS: "15000" } : {};
      return { ...env, ...gateway, ...grace } as Record<string, string>;
    }
    return { ...env, ...clustered };
  }

  private serviceOwnEnv(name: ServiceName, instance: string): Record<string, string> {
    const base = { NATS_URL: this.natsUrl, DATABASE_URL: this.writerUrl, METRICS_PORT: "0" };
    switch (name) {
      case "gateway":
        return {
          GATEWAY_ID: `${this.label}-${instance}`,
          MQTT_URL: this.mqttUrl,
          MQTT_USERNAME: "gw",
          MQTT_PASSWORD: "gw",
          NATS_URL: this.natsUrl,
          METRICS_PORT: "0",
        };
      case "reorder": {
        // The scenario's outreach schedules, counted from its start date.
        const schedules = Object.fromEntries(
          this.scenario.prisons.map((p) => [
            p.prisonId,
            {
              anchorDate: LocalCalendar.for(p.timeZone).dateOf(Date.parse(this.scenario.start)),
              firstVisitDay: p.outreach.firstVisitDay,
              intervalDays: p.outreach.intervalDays,
              hour: p.outreach.hour,
              leadTimeDays: p.outreach.leadTimeDays,
            },
          ]),
        );
        return { ...base, REORDER_SCHEDULES: JSON.stringify(schedules), RECOMPUTE_INTERVAL_MS: "1000" };
      }
      case "stock":
        return { ...base, MIN_REFRESH_SECONDS: "5" };
      default:
        return base;
    }
  }

  async startServiceProcess(instance: string): Promise<void> {
    const name = serviceOf(instance);
    this.services.set(
      instance,
      await startService(name, this.serviceEnv(instance), `${this.label}-${instance}`),
    );
  }

  /** SIGKILLs one component (a service instance, or a server with all its processes). */
  async kill(c: string): Promise<void> {
    if (this.instanceNames.includes(c)) {
      await this.services.get(c)?.kill("SIGKILL");
      this.services.delete(c);
      return;
    }
    const s = this.servers.get(c);
    if (s === undefined) return;
    await stopPid(s.pid, "SIGKILL", 10_000);
    this.servers.delete(c);
  }

  /** Stops a service instance gracefully (SIGTERM: it drains and gives its leases back). */
  async stopInstance(instance: string): Promise<void> {
    await this.services.get(instance)?.kill("SIGTERM");
    this.services.delete(instance);
  }

  /** Starts a killed component again (a killed PostgreSQL's backends may take a moment to go). */
  async restart(c: string): Promise<void> {
    if (this.instanceNames.includes(c)) return this.startServiceProcess(c);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startServer(c);
      } catch (e) {
        if (attempt >= 20) throw e;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Runs the simulator against the broker; resolves with its exit code. */
  simulate(args: string[]): ReturnType<typeof runSimulator> {
    return runSimulator([...args, "--mqtt-url", this.mqttUrl, "--state-dir", join(this.dir, "sim")], {
      HRVEND_DEPLOYMENT_SECRET: this.secret,
    });
  }

  async streamState(): Promise<{ messages: number; lastSeq: number }> {
    const nc = await natsConnect({ servers: natsServers(this.natsUrl), reconnect: false });
    try {
      const s = (await (await jetstreamManager(nc)).streams.info("HR_EVENTS")).state;
      return { messages: s.messages, lastSeq: s.last_seq };
    } finally {
      await nc.close();
    }
  }

  /** Every consumer's committed position (0 for one that has not committed yet). */
  async positions(): Promise<Record<(typeof CONSUMERS)[number], number>> {
    const at = await committedPositions(this.db);
    return Object.fromEntries(CONSUMERS.map((c) => [c, at.get(c) ?? 0])) as Record<
      (typeof CONSUMERS)[number],
      number
    >;
  }

  /** True once every prison's plan was computed from its latest data. */
  async plansFresh(): Promise<boolean> {
    const { stale, known } = await planFreshness(this.db);
    return stale === 0 && known === this.scenario.prisons.length;
  }

  /**
   * Waits until the stream holds `events` messages and every consumer has committed its last
   * one, and the plans are fresh; throws after `timeoutMs`.
   */
  async settle(events: number, timeoutMs = 300_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    // Partitioned, item definitions are stored once per partition.
    const stored = events + (this.cluster ? (this.cluster.partitions - 1) * this.itemDefinitions() : 0);
    for (;;) {
      const s = await this.streamState().catch(() => undefined);
      const caughtUp = this.cluster
        ? await this.partitionsCaughtUp().catch(() => false)
        : await this.positions()
            .then((at) => Object.values(at).every((p) => p === s?.lastSeq))
            .catch(() => false);
      last = JSON.stringify({ stream: s, caughtUp });
      if (
        s !== undefined &&
        s.messages === stored &&
        caughtUp &&
        (await this.plansFresh().catch(() => false))
      )
        return;
      if (Date.now() > deadline) throw new Error(`the pipeline did not settle: ${last}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** The scenario's ref_item events (one per item). */
  itemDefinitions(): number {
    return this.scenario.items.length;
  }

  /**
   * Cluster mode: every service has a consumer on every partition, each with nothing pending
   * and nothing unacknowledged (a batch is acknowledged only once committed).
   */
  async partitionsCaughtUp(): Promise<boolean> {
    const nc = await natsConnect({ servers: natsServers(this.natsUrl), reconnect: false });
    try {
      const jsm = await jetstreamManager(nc, { checkAPI: false });
      for (const c of CONSUMERS)
        for (let k = 0; k < (this.cluster?.partitions ?? 0); k++) {
          const info = await jsm.consumers.info("HR_EVENTS", `${c}-p${k}`);
          if (info.num_pending > 0 || info.num_ack_pending > 0) return false;
        }
      return true;
    } finally {
      await nc.close();
    }
  }

  async stop(): Promise<void> {
    // A service that does not finish draining in 30 s is killed: stopping must not hang a test.
    for (const s of [...this.services.values()].reverse()) {
      const stopped = s.kill("SIGTERM").then(
        () => true,
        () => true,
      );
      const late = new Promise<boolean>((r) => setTimeout(() => r(false), 30_000).unref());
      if (!(await Promise.race([stopped, late]))) await s.kill("SIGKILL").catch(() => undefined);
    }
    this.services.clear();
    await this.db?.destroy().catch(() => undefined);
    for (const s of [...this.servers.values()].reverse()) await s.stop().catch(() => undefined);
    this.servers.clear();
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 5 });
  }
}

/** `stock-2` → `stock`; a plain service name stays as it is. */
export function serviceOf(instance: string): ServiceName {
  const name = instance.replace(/-\d+$/, "");
  if (!(SERVICES as readonly string[]).includes(name))
    throw new Error(`unknown service instance '${instance}'`);
  return name as ServiceName;
}
