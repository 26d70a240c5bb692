import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { migrateToLatest } from "@hrvend/cli/db";
import { cardToken, cardTokenKey, devicePassword } from "@hrvend/devices";
import {
  applyMqttUsers,
  freePort,
  type ServerHandle,
  startMosquitto,
  startNats,
  startPostgres,
} from "@hrvend/local-stack";
import { newSecret, readControl, sourceUser } from "@hrvend/runtime";
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
import { DeliverPolicy, jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { type Kysely, type RawBuilder, sql } from "kysely";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, hrvend } from "../support/cli";
import { type ServiceProcess, startService } from "../support/services";

/**
 * Issue #17, "Done when": a programme runs hrvend from its own files on a fresh stack with no
 * simulator reference data. registry apply → machines add → a device using only the bundle
 * publishes → stock, plans and coverage appear; import census and import oat flow into the
 * coverage report; machines revoke locks the machine out. A raw OAT client id from the import
 * file appears nowhere: database, streams, logs, outputs.
 */

const PRISON = "md-p13";
const MACHINE = "md-p13-m1";
const TZ = "Europe/Chisinau";
const KIT_SYRINGES = 10;
const INJECTING = 0.12;
const OPIOID = 0.09;

const REGISTRY = `version: 1
items:
  - id: nsp-kit
    name: Syringe kit
    category: syringe_kit
    syringesPerUnit: ${KIT_SYRINGES}
    tracksLots: false
  - id: naloxone-nasal
    name: Naloxone nasal spray
    category: naloxone_nasal
    syringesPerUnit: 0
    tracksLots: true
prisons:
  - id: ${PRISON}
    name: Penitenciarul nr. 13
    timeZone: ${TZ}
    capacity: 1100
    injectingPrevalence: ${INJECTING}
    opioidDependencePrevalence: ${OPIOID}
    oatCapacity: 60
    machines:
      - id: ${MACHINE}
        location: Block 2, ground floor
        slots:
          - { id: s1, item: nsp-kit, capacity: 60 }
          - { id: s2, item: naloxone-nasal, capacity: 20 }
`;

/** The local calendar date of an instant in the prison's zone. */
const localDate = (ms: number) => new Intl.DateTimeFormat("en-CA", { timeZone: TZ }).format(new Date(ms));
const DAY_MS = 86_400_000;

/** Yesterday in the prison (a day that is over: the census office files it). */
const day = localDate(Date.now() - DAY_MS);
const quarterStart = `${day.slice(0, 5)}${String(Math.floor((Number(day.slice(5, 7)) - 1) / 3) * 3 + 1).padStart(2, "0")}-01`;
const quarterEnd = (() => {
  const [y, m] = quarterStart.split("-").map(Number) as [number, number];
  const next = new Date(Date.UTC(y, m - 1 + 3, 1) - DAY_MS);
  return next.toISOString().slice(0, 10);
})();

/** The health unit's own client ids: they must never leave the import. */
const CLIENT_IDS = ["HU13-000417", "HU13-000523", "HU13-000688", "HU13-000702", "HU13-000811", "HU13-000934"];
const CENSUS = { population: 480, admissions: 3, releases: 2 };
/** Six distinct card holders; each takes this many kits. */
const TAKES = [1, 2, 1, 3, 1, 2];

let dir: string;
let mosquitto: ServerHandle;
let nats: ServerHandle;
let postgres: ServerHandle;
let db: Kysely<Database>;
let writerUrl: string;
let funderUrl: string;
const services: ServiceProcess[] = [];
const secret = newSecret();
const outputs: CliResult[] = [];

async function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const r = await hrvend(args, { HRVEND_STATE_DIR: join(dir, "state"), ...env });
  outputs.push(r);
  return r;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hrvend-programme-"));
  chmodSync(dir, 0o755);
  mosquitto = await startMosquitto({
    dir: join(dir, "mosquitto"),
    port: await freePort(),
    // The fresh broker knows only the gateways' account: no machine, no simulator source.
    users: [{ username: "gw", password: "gw", subscribe: ["hr/v1/#"] }],
  });
  nats = await startNats({ dir: join(dir, "nats"), port: await freePort(), monitorPort: await freePort() });
  const pgPassword = newSecret();
  postgres = await startPostgres({
    dir: join(dir, "postgres"),
    port: await freePort(),
    superuserPassword: pgPassword,
  });
  const admin = createDb(postgres.url, { max: 1 });
  await ensureDatabase(admin, "hrvend");
  await admin.destroy();
  const adminUrl = withDatabase(postgres.url, "hrvend");
  db = createDb(adminUrl, { max: 2, onIdleError: () => undefined });
  await migrateToLatest(db);
  const rolePassword = newSecret();
  await setRolePasswords(
    db,
    Object.fromEntries(DB_ROLES.map((r) => [r, rolePassword])) as Record<DbRole, string>,
  );
  writerUrl = withCredentials(adminUrl, "hrvend_writer", rolePassword);
  funderUrl = withCredentials(adminUrl, "hrvend_funder", rolePassword);
  // The deployment's office accounts, as infra/deploy/mosquitto/accounts.example.sh makes them.
  await applyMqttUsers(mosquitto.dir, mosquitto.pid, "offices", [
    sourceUser("+", "registry", "registry", devicePassword(secret, "registry")),
    sourceUser(PRISON, "census_office", `${PRISON}-census`, devicePassword(secret, `${PRISON}-census`)),
    sourceUser(PRISON, "health_unit", `${PRISON}-health`, devicePassword(secret, `${PRISON}-health`)),
  ]);
  writeFileSync(join(dir, "registry.pw"), devicePassword(secret, "registry"), { mode: 0o600 });
  writeFileSync(join(dir, "secret"), secret, { mode: 0o600 });
  const control = readControl(mosquitto.dir);
  if (!control) throw new Error("the broker has no control account");
  writeFileSync(join(dir, "control.pw"), control.password, { mode: 0o600 });
  writeFileSync(join(dir, "control.user"), control.username);

  const base = { NATS_URL: nats.url, DATABASE_URL: writerUrl, METRICS_PORT: "0" };
  const envs: [string, Record<string, string>][] = [
    [
      "gateway",
      {
        GATEWAY_ID: "programme",
        MQTT_URL: mosquitto.url,
        MQTT_USERNAME: "gw",
        MQTT_PASSWORD: "gw",
        NATS_URL: nats.url,
        METRICS_PORT: "0",
      },
    ],
    ["recorder", base],
    ["stock", { ...base, MIN_REFRESH_SECONDS: "5" }],
    ["reorder", { ...base, RECOMPUTE_INTERVAL_MS: "1000" }],
    ["coverage", base],
  ];
  for (const [name, env] of envs) services.push(await startService(name, env, `programme-${name}`));
}, 600_000);

afterAll(async () => {
  for (const s of services.reverse()) await s.kill("SIGTERM").catch(() => undefined);
  await db?.destroy().catch(() => undefined);
  for (const s of [postgres, nats, mosquitto]) await s?.stop().catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
}, 120_000);

const conn = () => ["--database-url", writerUrl];
const registryArgs = () => [
  ...conn(),
  "--mqtt-url",
  mosquitto.url,
  "--mqtt-password-file",
  join(dir, "registry.pw"),
];
const controlArgs = () => [
  "--control-url",
  mosquitto.url,
  "--control-user",
  readFileSync(join(dir, "control.user"), "utf8"),
  "--control-password-file",
  join(dir, "control.pw"),
];
const officeArgs = () => [...conn(), "--mqtt-url", mosquitto.url, "--secret-file", join(dir, "secret")];

async function streamMessages(): Promise<{ stream: string; subject: string; data: string }[]> {
  const nc = await natsConnect({ servers: nats.url, reconnect: false });
  try {
    const jsm = await jetstreamManager(nc);
    const js = jsm.jetstream();
    const out: { stream: string; subject: string; data: string }[] = [];
    for await (const s of jsm.streams.list()) {
      const total = s.state.messages;
      if (total === 0) continue;
      const consumer = await js.consumers.get(s.config.name, { deliver_policy: DeliverPolicy.All });
      let got = 0;
      while (got < total) {
        const batch = await consumer.fetch({ max_messages: total - got, expires: 5_000 });
        let n = 0;
        for await (const m of batch) {
          out.push({ stream: s.config.name, subject: m.subject, data: m.string() });
          n++;
        }
        if (n === 0) break;
        got += n;
      }
    }
    return out;
  } finally {
    await nc.close();
  }
}

const count = async (q: RawBuilder<{ n: string }>) => Number((await q.execute(db)).rows[0]?.n);

interface Bundle {
  machineId: string;
  prisonId: string;
  broker: { url: string };
  clientId: string;
  username: string;
  password: string;
  topicPrefix: string;
  topics: Record<string, string>;
  contract: { schemaVersion: number; asyncapi: string; html: string };
}

/** A machine that knows only its bundle. */
function deviceClient(b: Bundle, reconnectPeriod = 0) {
  return mqtt.connectAsync(b.broker.url, {
    clientId: b.clientId,
    username: b.username,
    password: b.password,
    clean: false,
    protocolVersion: 4,
    reconnectPeriod,
    connectTimeout: 10_000,
  });
}

describe("a programme of its own, from its files", () => {
  let bundle: Bundle;
  let seq = 0;
  const t0 = Date.parse(`${day}T12:00:00Z`) - 2 * 3_600_000; // about noon, local
  const at = (i: number) => new Date(t0 + i * 60_000).toISOString();
  const kits = TAKES.reduce((a, b) => a + b, 0);

  it("registry apply: the dry run shows the diff, apply publishes it, a second apply publishes nothing", async () => {
    const file = join(dir, "registry.yaml");
    writeFileSync(file, REGISTRY);
    const dry = await cli(["registry", "apply", file, "--dry-run", ...registryArgs()]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout.split("\n").filter((l) => l.startsWith("+ "))).toEqual([
      "+ item nsp-kit",
      "+ item naloxone-nasal",
      `+ prison ${PRISON}`,
      `+ machine ${MACHINE} (prison ${PRISON})`,
    ]);
    expect(await streamMessages()).toEqual([]);

    const applied = await cli(["registry", "apply", file, ...registryArgs()]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain("the pipeline has recorded all of them");
    const refs = await sql<{ kind: string; source_id: string; seq: string }>`
      SELECT kind, source_id, seq FROM ingest.raw_event ORDER BY seq`.execute(db);
    expect(refs.rows.map((r) => [r.kind, r.source_id])).toEqual([
      ["ref_item", "registry"],
      ["ref_item", "registry"],
      ["ref_prison", "registry"],
      ["ref_machine", "registry"],
    ]);

    const again = await cli(["registry", "apply", file, ...registryArgs()]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("nothing to publish");
    expect((await streamMessages()).filter((m) => m.stream === "HR_EVENTS")).toHaveLength(4);

    // A changed row is a change of that row only, with a seq above the earlier ones.
    writeFileSync(file, REGISTRY.replace("capacity: 1100", "capacity: 1150"));
    const changed = await cli(["registry", "apply", file, "--json", ...registryArgs()]);
    expect(changed.code, changed.stderr).toBe(0);
    const report = JSON.parse(changed.stdout) as {
      changes: { action: string; id: string }[];
      seqs: number[];
    };
    expect(report.changes).toEqual([
      { action: "change", kind: "ref_prison", id: PRISON, fields: ["capacity: 1100 → 1150"] },
    ]);
    expect(report.seqs[0]).toBeGreaterThan(Math.max(...refs.rows.map((r) => Number(r.seq))));
    expect(
      await count(
        sql`SELECT count(*) AS n FROM reorder.prison WHERE prison_id = ${PRISON} AND time_zone = ${TZ}`,
      ),
    ).toBe(1);
  });

  it("machines add: refuses a machine the registry does not know, then onboards the registered one", async () => {
    const unknown = await cli([
      "machines",
      "add",
      "md-p13-m9",
      ...conn(),
      ...controlArgs(),
      "--broker-url",
      mosquitto.url,
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("md-p13-m9 is not in the registry");
    expect(unknown.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace

    const out = join(dir, "bundle.json");
    const add = await cli([
      "machines",
      "add",
      MACHINE,
      ...conn(),
      ...controlArgs(),
      "--broker-url",
      mosquitto.url,
      "--out",
      out,
    ]);
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toContain(`bundle written to ${out}`);
    bundle = JSON.parse(readFileSync(out, "utf8")) as Bundle;
    expect(bundle).toMatchObject({
      machineId: MACHINE,
      prisonId: PRISON,
      clientId: MACHINE,
      username: MACHINE,
      broker: { url: mosquitto.url },
      topicPrefix: `hr/v1/${PRISON}/machine/${MACHINE}/`,
      contract: { schemaVersion: 1 },
    });
    expect(bundle.password.length).toBeGreaterThanOrEqual(32);
    // Printed once, into the bundle only.
    expect(add.stdout + add.stderr).not.toContain(bundle.password);
    const twice = await cli([
      "machines",
      "add",
      MACHINE,
      ...conn(),
      ...controlArgs(),
      "--broker-url",
      mosquitto.url,
    ]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("already has a broker account");
  });

  it("a device with only its bundle publishes; stock, plans and coverage appear", async () => {
    const client = await deviceClient(bundle);
    const send = async (kind: string, fields: Record<string, unknown>) => {
      seq++;
      const e = {
        v: 1,
        kind,
        prisonId: bundle.prisonId,
        machineId: bundle.machineId,
        seq,
        deviceTime: at(seq),
        ...fields,
      };
      await client.publishAsync(bundle.topics[kind] as string, JSON.stringify(e), { qos: 1 });
    };
    await send("status", { state: "online", reason: "connect" });
    await send("heartbeat", {
      temperatureC: 21,
      door: "closed",
      power: "mains",
      firmware: "2.0.1",
      uptimeS: 60,
    });
    await send("restock", { slotId: "s1", itemId: "nsp-kit", quantity: 40, stockAfter: 40 });
    const expiry = `${Number(day.slice(0, 4)) + 2}-06-30`;
    await send("restock", {
      slotId: "s2",
      itemId: "naloxone-nasal",
      quantity: 10,
      stockAfter: 10,
      lots: [{ lotId: "NX26001", expiry, quantity: 10 }],
    });
    let level = 40;
    for (const [i, n] of TAKES.entries()) {
      level -= n;
      await send("dispense", {
        slotId: "s1",
        itemId: "nsp-kit",
        cardToken: cardToken(cardTokenKey(secret), `04a1b2c3d4e5${i}`),
        quantity: n,
        stockAfter: level,
      });
    }
    await send("heartbeat", {
      temperatureC: 21,
      door: "closed",
      power: "mains",
      firmware: "2.0.1",
      uptimeS: 600,
    });
    await client.endAsync();

    await expect
      .poll(
        async () =>
          count(
            // Raw rows and the heartbeats rolled up (migration 0025).
            sql`SELECT (SELECT count(*) FROM ingest.raw_event WHERE source_id = ${MACHINE})
            + (SELECT coalesce(sum(heartbeats), 0) FROM ingest.heartbeat_hourly WHERE machine_id = ${MACHINE}) AS n`,
          ),
        {
          timeout: 120_000,
          interval: 500,
        },
      )
      .toBe(seq);
    expect(await count(sql`SELECT count(*) AS n FROM ingest.dead_letter`)).toBe(0);
    await expect
      .poll(
        async () =>
          (
            await sql<{ slot_id: string; level: number }>`
              SELECT slot_id, level FROM stock.slot WHERE machine_id = ${MACHINE} ORDER BY slot_id`.execute(
              db,
            )
          ).rows,
        { timeout: 120_000, interval: 500 },
      )
      .toEqual([
        { slot_id: "s1", level: 40 - kits },
        { slot_id: "s2", level: 10 },
      ]);
    await expect
      .poll(
        async () => count(sql`SELECT count(*) AS n FROM reorder.restock_plan WHERE prison_id = ${PRISON}`),
        {
          timeout: 120_000,
          interval: 500,
        },
      )
      .toBe(1);
    const plan = (
      await sql<{ plan: { machines?: unknown[] } }>`
      SELECT plan FROM reorder.restock_plan WHERE prison_id = ${PRISON}`.execute(db)
    ).rows[0]?.plan;
    expect(JSON.stringify(plan)).toContain(MACHINE);
    await expect
      .poll(
        async () =>
          (
            await sql<{ nsp_clients: number; syringe_kits: number; syringes: number }>`
              SELECT nsp_clients, syringe_kits, syringes FROM coverage.period_count
               WHERE scope = ${PRISON} AND grain = 'quarter' AND period_start = ${quarterStart}`.execute(db)
          ).rows,
        { timeout: 120_000, interval: 500 },
      )
      .toEqual([{ nsp_clients: TAKES.length, syringe_kits: kits, syringes: kits * KIT_SYRINGES }]);
  });

  it("import census and import oat flow into the coverage report", async () => {
    const census = join(dir, "census.csv");
    writeFileSync(
      census,
      `prison,date,population,admissions,releases\n${PRISON},${day},${CENSUS.population},${CENSUS.admissions},${CENSUS.releases}\n`,
    );
    const c = await cli(["import", "census", census, ...officeArgs()]);
    expect(c.code, c.stderr + c.stdout).toBe(0);

    // Six enrolled, one discharged the same day: five active at the end of the quarter.
    const oat = join(dir, "oat.csv");
    const rows = CLIENT_IDS.map((id) => `${id},${PRISON},${day},enrol,methadone,,,`);
    rows.push(`${CLIENT_IDS[0]},${PRISON},${day},discharge,methadone,,released,`);
    writeFileSync(
      oat,
      `client_id,prison,date,event,medicine,dose_mg,discharge_reason,time\n${rows.join("\n")}\n`,
    );
    const o = await cli(["import", "oat", oat, ...officeArgs()]);
    expect(o.code, o.stderr + o.stdout).toBe(0);
    const again = await cli(["import", "oat", oat, ...officeArgs(), "--json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ published: 0 });

    const active = CLIENT_IDS.length - 1;
    await expect
      .poll(
        async () =>
          (
            await sql<{
              avg_population: number;
              admissions: number;
              releases: number;
              oat_active_end: number;
            }>`
              SELECT avg_population, admissions, releases, oat_active_end FROM coverage.period_count
               WHERE scope = ${PRISON} AND grain = 'quarter' AND period_start = ${quarterStart}`.execute(db)
          ).rows,
        { timeout: 120_000, interval: 500 },
      )
      .toEqual([
        { avg_population: CENSUS.population, ...{ admissions: 3, releases: 2 }, oat_active_end: active },
      ]);

    // The funder's report (suppressed view, as the funder role): the quarter's figures, from
    // docs/domain.md's definitions with the registry's prevalence estimates.
    await expect
      .poll(
        async () => {
          const r = await cli([
            "report",
            "coverage",
            "--from",
            quarterStart,
            "--to",
            quarterEnd,
            "--prison",
            PRISON,
            "--format",
            "json",
            "--database-url",
            funderUrl,
          ]);
          if (r.code !== 0) return r.stderr;
          const figures = (JSON.parse(r.stdout) as { figures: Record<string, unknown>[] }).figures;
          const f = figures.find((x) => x["prisonId"] === PRISON && x["grain"] === "quarter");
          return f && [f["nspClients"], f["syringes"], f["oatActiveEnd"], f["avgPopulation"]];
        },
        { timeout: 120_000, interval: 2_000 },
      )
      .toEqual([TAKES.length, kits * KIT_SYRINGES, active, CENSUS.population]);
    const r = await cli([
      "report",
      "coverage",
      "--from",
      quarterStart,
      "--to",
      quarterEnd,
      "--prison",
      PRISON,
      "--format",
      "json",
      "--database-url",
      funderUrl,
    ]);
    const f = (JSON.parse(r.stdout) as { figures: Record<string, number>[] }).figures.find(
      (x) => x["prisonId"] === (PRISON as unknown) && x["grain"] === ("quarter" as unknown),
    ) as Record<string, number>;
    const estOpioid = CENSUS.population * OPIOID;
    expect(f["oatReachPct"]).toBeCloseTo((100 * active) / estOpioid, 6);
    expect(f["nspReachPct"]).toBeCloseTo((100 * TAKES.length) / (CENSUS.population * INJECTING), 6);
  });

  it("machines revoke: the live session is disconnected, its reconnects and new connects are refused, nothing more gets in", async () => {
    const before = await count(
      // Raw rows and the heartbeats rolled up (migration 0025).
      sql`SELECT (SELECT count(*) FROM ingest.raw_event WHERE source_id = ${MACHINE})
            + (SELECT coalesce(sum(heartbeats), 0) FROM ingest.heartbeat_hourly WHERE machine_id = ${MACHINE}) AS n`,
    );
    const old = await deviceClient(bundle, 300);
    const refusals: string[] = [];
    let closed = 0;
    old.on("error", (e) => refusals.push(e.message));
    old.on("close", () => closed++);

    const revoke = await cli(["machines", "revoke", MACHINE, ...controlArgs()]);
    expect(revoke.code, revoke.stderr).toBe(0);
    await expect.poll(() => closed, { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => refusals.join("\n"), { timeout: 10_000 }).toMatch(/Not authorized/i);
    // The old session's publish never reaches the stream.
    seq++;
    old.publish(
      bundle.topics["heartbeat"] as string,
      JSON.stringify({
        v: 1,
        kind: "heartbeat",
        prisonId: PRISON,
        machineId: MACHINE,
        seq,
        deviceTime: at(seq),
        temperatureC: 21,
        door: "closed",
        power: "mains",
        firmware: "2.0.1",
        uptimeS: 900,
      }),
      { qos: 1 },
    );
    await expect(deviceClient(bundle)).rejects.toThrow(/Not authorized/i);
    await new Promise((r) => setTimeout(r, 3_000));
    await old.endAsync(true);
    expect(
      await count(
        // Raw rows and the heartbeats rolled up (migration 0025).
        sql`SELECT (SELECT count(*) FROM ingest.raw_event WHERE source_id = ${MACHINE})
            + (SELECT coalesce(sum(heartbeats), 0) FROM ingest.heartbeat_hourly WHERE machine_id = ${MACHINE}) AS n`,
      ),
    ).toBe(before);
    const revokedTwice = await cli(["machines", "revoke", MACHINE, ...controlArgs()]);
    expect(revokedTwice.code).toBe(1);
    expect(revokedTwice.stderr).toContain("has no broker account");
  });

  it("no raw OAT client id anywhere: database, streams, logs, outputs", async () => {
    const dump = await promisify(execFile)(
      "/usr/lib/postgresql/15/bin/pg_dump",
      ["--data-only", "--dbname", withDatabase(postgres.url, "hrvend")],
      { maxBuffer: 256 * 1024 * 1024 },
    );
    const stream = (await streamMessages()).map((m) => `${m.subject} ${m.data}`).join("\n");
    const logs = [
      ...services.map((s) => s.logs()),
      readFileSync(mosquitto.logFile, "utf8"),
      readFileSync(nats.logFile, "utf8"),
    ].join("\n");
    const printed = outputs.map((o) => o.stdout + o.stderr).join("\n");
    // The searches can find: the OAT events are there (as tokens), the dump holds the register.
    expect(stream).toContain('"kind":"oat"');
    expect(dump.stdout).toContain(PRISON);
    for (const id of CLIENT_IDS) {
      expect(dump.stdout.includes(id), `database holds ${id}`).toBe(false);
      expect(stream.includes(id), `stream holds ${id}`).toBe(false);
      expect(logs.includes(id), `logs hold ${id}`).toBe(false);
      expect(printed.includes(id), `outputs hold ${id}`).toBe(false);
    }
  });
});
