import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aclsOf, dynsecRequest, readControl, roleOf, sourceUser } from "@hrvend/runtime";
import { sql } from "kysely";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, hrvend } from "../support/cli";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";

/**
 * `hrvend machines add|rotate|revoke` against the real broker (Mosquitto 2.0.11, dynamic-security
 * plugin) through its $CONTROL API. The registry is what the recorder stored (rows written here
 * as the recorder writes them); the broker side is entirely real. Expectations come from the
 * README's broker table: a machine publishes its own seven kinds under hr/v1/<its prison>/
 * machine/<itself>/, nothing else, subscribes to nothing, and only with its own client id.
 */
const iso = isolate("machines");
const PA = iso.prison("pa");
const PB = iso.prison("pb");
const M = `${iso.tag}-m1`;
const GONE = `${iso.tag}-m2`;
const MACHINE_KINDS = [
  "dispense",
  "dispense_refused",
  "restock",
  "stock_adjustment",
  "heartbeat",
  "fault",
  "status",
];

let tdb: TestDatabase;
let dir: string;
let seq = 0;

/** A registration as the recorder stores an accepted ref_machine. */
async function register(prisonId: string, machineId: string, active: boolean) {
  seq++;
  const payload = {
    v: 1,
    kind: "ref_machine",
    prisonId,
    sourceId: "registry",
    seq,
    time: new Date().toISOString(),
    machineId,
    location: "Block A",
    active,
    slots: [{ slotId: "s1", itemId: "kit", capacity: 40 }],
  };
  await sql`
    INSERT INTO ingest.raw_event (event_time, event_key, prison_id, source_id, seq, kind, payload)
    VALUES (now(), ${`registry:${seq}`}, ${prisonId}, 'registry', ${seq}, 'ref_machine', ${JSON.stringify(payload)}::jsonb)`.execute(
    tdb.db,
  );
}

const control = () => {
  const c = readControl(iso.servers.mosquittoDir);
  if (!c) throw new Error("no control account");
  writeFileSync(join(dir, "control.pw"), c.password, { mode: 0o600 });
  return [
    "--control-url",
    iso.servers.mqttUrl,
    "--control-user",
    c.username,
    "--control-password-file",
    join(dir, "control.pw"),
  ];
};
const conn = () => ["--database-url", tdb.roleUrl("hrvend_writer"), "--broker-url", iso.servers.mqttUrl];
const run = (args: string[]): Promise<CliResult> => hrvend(args, { HRVEND_STATE_DIR: join(dir, "state") });

interface Bundle {
  clientId: string;
  username: string;
  password: string;
  topics: Record<string, string>;
  topicPrefix: string;
}

function connect(b: Pick<Bundle, "username" | "password">, clientId = b.username): Promise<MqttClient> {
  return mqtt.connectAsync(iso.servers.mqttUrl, {
    clientId,
    username: b.username,
    password: b.password,
    clean: true,
    protocolVersion: 5,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
  });
}

/** The PUBACK's reason code (MQTT 5): below 0x80 accepted, 135 not authorised. */
async function publishCode(c: MqttClient, topic: string): Promise<number> {
  try {
    const p = (await c.publishAsync(topic, "{}", { qos: 1 })) as { reasonCode?: number } | undefined;
    return p?.reasonCode ?? 0;
  } catch (e) {
    return (e as { code?: number }).code ?? -1;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hrvend-machines-"));
  tdb = await testDatabase(iso);
  await register(PA, M, true);
  await register(PA, GONE, true);
  await register(PA, GONE, false);
});

afterAll(async () => {
  await run(["machines", "revoke", M, ...control()]);
  await tdb?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("hrvend machines", () => {
  let bundle: Bundle;

  it("add refuses a deactivated machine", async () => {
    const r = await run(["machines", "add", GONE, ...conn(), ...control()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`machine ${GONE} is deactivated in the registry`);
    await expect(connect({ username: GONE, password: "x" })).rejects.toThrow(
      /Not authorized|Bad User Name or Password/i,
    );
  });

  it("add prints a bundle whose account may publish exactly its own kinds, under its own prison and id", async () => {
    const r = await run(["machines", "add", M, ...conn(), ...control()]);
    expect(r.code, r.stderr).toBe(0);
    bundle = JSON.parse(r.stdout) as Bundle;
    expect(bundle.topicPrefix).toBe(`hr/v1/${PA}/machine/${M}/`);
    expect(Object.keys(bundle.topics).sort()).toEqual([...MACHINE_KINDS].sort());
    const c = await connect(bundle);
    try {
      for (const k of MACHINE_KINDS)
        expect(await publishCode(c, `hr/v1/${PA}/machine/${M}/${k}`), k).toBeLessThan(0x80);
      const refused = [
        `hr/v1/${PB}/machine/${M}/dispense`, // another prison
        `hr/v1/${PA}/machine/${iso.tag}-m3/dispense`, // another machine
        `hr/v1/${PA}/registry/${M}/ref_machine`, // an office kind
        `hr/v1/${PA}/census_office/${M}/census`,
        `hr/v1/${PA}/machine/${M}/census`,
        `hr/v1/${PA}/machine/${M}`,
      ];
      for (const t of refused) expect(await publishCode(c, t), t).toBe(135);
      for (const f of ["#", "hr/v1/#", "$share/ingest/hr/v1/#", `hr/v1/${PA}/machine/${M}/dispense`]) {
        const granted = await c.subscribeAsync(f, { qos: 1 }).then(
          (g) => g[0]?.qos ?? 0,
          (e: Error) => (/Not authorized/i.test(e.message) ? 0x87 : -1),
        );
        expect(granted, f).toBe(0x87);
      }
    } finally {
      await c.endAsync();
    }
    // Bound to its own client id: the same credentials under another id are refused.
    await expect(connect(bundle, `${M}-x`)).rejects.toThrow();
  });

  it("rotate: the old password stops at once (the live session too), the new one works; --out is 0600 and never overwritten", async () => {
    const old = await connect(bundle);
    let closed = false;
    old.on("close", () => {
      closed = true;
    });
    const out = join(dir, "bundle.json");
    const r = await run(["machines", "rotate", M, ...conn(), ...control(), "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const fresh = JSON.parse(readFileSync(out, "utf8")) as Bundle;
    expect(fresh.password).not.toBe(bundle.password);
    expect(r.stdout + r.stderr).not.toContain(fresh.password);
    await expect.poll(() => closed, { timeout: 10_000 }).toBe(true);
    await old.endAsync(true);
    await expect(connect(bundle)).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    await (await connect(fresh)).endAsync();

    // The bundle file exists: rotate refuses to overwrite it and leaves the broker as it was.
    const again = await run(["machines", "rotate", M, ...conn(), ...control(), "--out", out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/EEXIST|exists/);
    await (await connect(fresh)).endAsync();
    bundle = fresh;
  });

  it("rotate after the registry moves the machine: its topics follow its prison", async () => {
    await register(PB, M, true);
    const r = await run(["machines", "rotate", M, ...conn(), ...control()]);
    expect(r.code, r.stderr).toBe(0);
    const moved = JSON.parse(r.stdout) as Bundle;
    expect(moved.topicPrefix).toBe(`hr/v1/${PB}/machine/${M}/`);
    const c = await connect(moved);
    try {
      expect(await publishCode(c, `hr/v1/${PB}/machine/${M}/heartbeat`)).toBeLessThan(0x80);
      expect(await publishCode(c, `hr/v1/${PA}/machine/${M}/heartbeat`)).toBe(135);
    } finally {
      await c.endAsync();
    }
    bundle = moved;
  });

  it("add on an onboarded machine is refused; revoke locks it out; revoke twice says so", async () => {
    const dup = await run(["machines", "add", M, ...conn(), ...control()]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain("already has a broker account");
    await (await connect(bundle)).endAsync(); // the refused add changed nothing

    const r = await run(["machines", "revoke", M, ...control()]);
    expect(r.code, r.stderr).toBe(0);
    await expect(connect(bundle)).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    const twice = await run(["machines", "revoke", M, ...control()]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain("has no broker account");
  });

  it("a wrong administrator password is a clear error, not a hang", async () => {
    writeFileSync(join(dir, "wrong.pw"), "not-the-password");
    const r = await run([
      "machines",
      "revoke",
      M,
      "--control-url",
      iso.servers.mqttUrl,
      "--control-user",
      "hrvend-dynsec",
      "--control-password-file",
      join(dir, "wrong.pw"),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^hrvend: .*(Not authorized|Bad User Name or Password)/im);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

/**
 * The red team's takeover (2026-12-03): a registry machine named like another account, then
 * `machines rotate|revoke`, replaced or deleted that account (an office, the plugin's own
 * administrator). Only accounts `machines add` made (members of the plugin's `machines` group)
 * may change, and the office/registry/operator/gateway/administrator names are refused outright.
 */
describe("hrvend machines refuses every account that is not a machine's", () => {
  const CENSUS = `${PA}-census`;
  const DESK = `${iso.tag}-desk`; // an operator source with a free-form id (no reserved shape)
  const adminName = () => readControl(iso.servers.mosquittoDir)?.username ?? "hrvend-dynsec";
  const admin = () => {
    const c = readControl(iso.servers.mosquittoDir);
    if (!c) throw new Error("no control account");
    return { url: iso.servers.mqttUrl, username: c.username, password: c.password };
  };
  const canConnect = (username: string, password: string) =>
    connect({ username, password }).then(
      async (c) => {
        await c.endAsync();
        return "connected";
      },
      (e: Error) => `refused: ${e.message}`,
    );

  beforeAll(async () => {
    const census = sourceUser(PA, "census_office", CENSUS, "census-secret");
    const desk = sourceUser("+", "operator", DESK, "desk-secret");
    await dynsecRequest(admin(), [
      { command: "createRole", rolename: roleOf(CENSUS), acls: aclsOf(census) },
      {
        command: "createClient",
        username: CENSUS,
        clientid: CENSUS,
        password: "census-secret",
        roles: [{ rolename: roleOf(CENSUS) }],
      },
      { command: "createRole", rolename: roleOf(DESK), acls: aclsOf(desk) },
      {
        command: "createClient",
        username: DESK,
        clientid: DESK,
        password: "desk-secret",
        roles: [{ rolename: roleOf(DESK) }],
      },
    ]);
    // The registry says these are machines (a careless or hostile registry file).
    for (const id of [CENSUS, DESK, adminName(), "registry", "hrvend-gateway", `${PA}-health`])
      await register(PA, id, true);
  });

  it.each([
    ["a census office", () => CENSUS],
    ["a health unit", () => `${PA}-health`],
    ["the registry source", () => "registry"],
    ["the gateway", () => "hrvend-gateway"],
    ["the plugin administrator", adminName],
  ])("add, rotate and revoke refuse %s's reserved name and change nothing", async (_, name) => {
    const id = name();
    for (const action of ["add", "rotate"]) {
      const r = await run(["machines", action, id, ...conn(), ...control()]);
      expect(r.code, `${action} ${id}`).toBe(1);
      expect(r.stderr, `${action} ${id}`).toMatch(new RegExp(`^hrvend: '${id}' is reserved`, "m"));
      expect(r.stdout).not.toContain('"password"');
    }
    const rv = await run(["machines", "revoke", id, ...control()]);
    expect(rv.code, `revoke ${id}`).toBe(1);
    expect(rv.stderr).toMatch(new RegExp(`^hrvend: '${id}' is reserved`, "m"));
    expect(await canConnect(CENSUS, "census-secret")).toBe("connected");
    const [listed] = await dynsecRequest(admin(), [{ command: "listClients" }]);
    expect(listed?.error).toBeUndefined(); // the administrator still works
  });

  it("rotate and revoke refuse an existing account that machines add did not make (not in group machines)", async () => {
    const r = await run(["machines", "rotate", DESK, ...conn(), ...control()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${DESK} is not a machine's account`);
    expect(r.stdout).not.toContain('"password"');
    const rv = await run(["machines", "revoke", DESK, ...control()]);
    expect(rv.code).toBe(1);
    expect(rv.stderr).toContain(`${DESK} is not a machine's account`);
    expect(await canConnect(DESK, "desk-secret")).toBe("connected");
    // add refuses it too: it exists (and taking it over is what rotate must not do).
    const add = await run(["machines", "add", DESK, ...conn(), ...control()]);
    expect(add.code).toBe(1);
    expect(await canConnect(DESK, "desk-secret")).toBe("connected");
  });

  it("an account machines add made is in group machines, and rotate and revoke still work on it", async () => {
    const id = `${iso.tag}-m9`;
    await register(PA, id, true);
    const added = await run(["machines", "add", id, ...conn(), ...control()]);
    expect(added.code, added.stderr).toBe(0);
    const [got] = await dynsecRequest(admin(), [{ command: "getClient", username: id }]);
    const groups = (got?.data?.["client"] as { groups?: { groupname: string }[] } | undefined)?.groups;
    expect(groups?.map((g) => g.groupname)).toEqual(["machines"]);
    const rotated = await run(["machines", "rotate", id, ...conn(), ...control()]);
    expect(rotated.code, rotated.stderr).toBe(0);
    await (await connect(JSON.parse(rotated.stdout) as Bundle)).endAsync();
    const revoked = await run(["machines", "revoke", id, ...control()]);
    expect(revoked.code, revoked.stderr).toBe(0);
  });
});
