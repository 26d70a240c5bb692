import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  chownTree,
  freePort,
  isAlive,
  serviceUser,
  startProcess,
  stopPid,
  tail,
  waitForPort,
} from "@hrvend/local-stack";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parentEnv } from "../support/config";
import { DEPLOY, read } from "./deploy-files";

/**
 * The production broker files (infra/deploy/mosquitto) run on the real Mosquitto: the deploy's
 * mosquitto.conf (its TLS listener left out, the plain listener moved to a free loopback port,
 * paths moved to a temporary dir) and accounts.example.sh applied with mosquitto_ctrl. Then each
 * account does what docs/architecture.md allows and nothing else.
 */
const conf = read("mosquitto/mosquitto.conf");

describe("infra/deploy mosquitto.conf", () => {
  it("keeps accounts in the dynamic-security plugin, not in acl_file (which never checks SUBSCRIBE in 2.0.11)", () => {
    const lines = conf.split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#"));
    expect(lines).toContain("allow_anonymous false");
    expect(lines.some((l) => /^plugin \S+mosquitto_dynamic_security\.so$/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith("plugin_opt_config_file "))).toBe(true);
    expect(lines.filter((l) => /^(acl_file|password_file|allow_zero_length_clientid true)/.test(l))).toEqual(
      [],
    );
  });
});

describe("infra/deploy accounts on the real broker", () => {
  const dir = mkdtempSync(join(tmpdir(), "hrvend-deploy-mqtt-"));
  const pw = join(dir, "pw");
  const clients: MqttClient[] = [];
  let pid = 0;
  let url = "";
  const password = (name: string) => `pw-${name}`;

  beforeAll(async () => {
    const port = await freePort();
    url = `mqtt://127.0.0.1:${port}`;
    const plugin = /^plugin (\S+)$/m.exec(conf)?.[1] as string;
    const local = conf
      // The machines' TLS listener needs the deployment's certificates: left out here.
      .replace(/^listener 8883\n(?:.+\n)*/m, "")
      .replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)
      .replace(/^pid_file .*$/m, `pid_file ${join(dir, "mosquitto.pid")}`)
      .replace(/^persistence_location .*$/m, `persistence_location ${join(dir, "data")}/`)
      .replace(/^plugin_opt_config_file .*$/m, `plugin_opt_config_file ${join(dir, "dynamic-security.json")}`)
      .replace(/^plugin .*$/m, `plugin ${dynsecPlugin(plugin)}`)
      .replace(/^log_dest syslog$/m, `log_dest file ${join(dir, "mosquitto.log")}`);
    mkdirSync(join(pw, "pw"), { recursive: true });
    mkdirSync(join(dir, "data"));
    writeFileSync(join(dir, "mosquitto.conf"), local);
    for (const name of ["admin", "gateway"]) writeFileSync(join(pw, `${name}.pw`), password(name));
    for (const name of [
      "m-chisinau-13-01",
      "m-chisinau-13-02",
      "registry",
      "chisinau-13-census",
      "chisinau-13-health",
      "ops-ana",
    ])
      writeFileSync(join(pw, "pw", name), password(name));
    execFileSync("mosquitto_ctrl", [
      "dynsec",
      "init",
      join(dir, "dynamic-security.json"),
      "hrvend-admin",
      password("admin"),
    ]);
    chownTree(dir, serviceUser("mosquitto"));
    const logFile = join(dir, "stdout.log");
    const child = startProcess("/usr/sbin/mosquitto", ["-c", join(dir, "mosquitto.conf")], {
      logFile,
      detached: false,
      as: serviceUser("mosquitto"),
    });
    pid = child.pid as number;
    await waitForPort(port, "mosquitto", { alive: () => isAlive(pid), logTail: () => tail(logFile) });
    execFileSync("sh", [join(DEPLOY, "mosquitto/accounts.example.sh")], {
      env: { ...parentEnv(), MQTT_PORT: String(port), HRVEND_MQTT_PW_DIR: pw },
      stdio: "pipe",
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    if (pid) await stopPid(pid, "SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = async (username: string, protocolVersion: 4 | 5 = 5) => {
    const c = await mqtt.connectAsync(url, {
      username,
      password: password(username === "hrvend-gateway" ? "gateway" : username),
      clientId: username === "hrvend-gateway" ? `hrvend-gw-test-${clients.length}` : username,
      protocolVersion,
      reconnectPeriod: 0,
    });
    clients.push(c);
    return c;
  };
  const pub = (c: MqttClient, topic: string) =>
    c.publishAsync(topic, "{}", { qos: 1 }).then(
      () => 0,
      (e: { code?: number }) => e.code ?? -1,
    );
  const sub = (c: MqttClient, filter: string) =>
    c.subscribeAsync(filter, { qos: 1 }).then(
      (g) => g.map((x) => x.qos),
      (e: { packet?: { granted?: number[] } }) => e.packet?.granted ?? [-1],
    );

  it("lets each source publish only its own kinds under its own topic, and subscribe to nothing", async () => {
    const m1 = await connect("m-chisinau-13-01");
    const census = await connect("chisinau-13-census");
    const health = await connect("chisinau-13-health");
    const registry = await connect("registry");
    const ops = await connect("ops-ana");
    const P = "hr/v1/chisinau-13";
    const cases: [MqttClient, string, number][] = [
      [m1, `${P}/machine/m-chisinau-13-01/heartbeat`, 0],
      [m1, `${P}/machine/m-chisinau-13-01/status`, 0],
      [m1, `${P}/machine/m-chisinau-13-01/census`, 135],
      [m1, `${P}/machine/m-chisinau-13-01/ref_machine`, 135],
      [m1, `${P}/machine/m-chisinau-13-02/heartbeat`, 135],
      [m1, `hr/v1/other-prison/machine/m-chisinau-13-01/heartbeat`, 135],
      [m1, `${P}/census_office/chisinau-13-census/census`, 135],
      [m1, `${P}/registry/registry/ref_machine`, 135],
      [census, `${P}/census_office/chisinau-13-census/census`, 0],
      [census, `${P}/census_office/chisinau-13-census/oat`, 135],
      [census, `${P}/health_unit/chisinau-13-health/oat`, 135],
      [census, `hr/v1/other-prison/census_office/chisinau-13-census/census`, 135],
      [health, `${P}/health_unit/chisinau-13-health/oat`, 0],
      [health, `${P}/census_office/chisinau-13-health/census`, 135],
      [registry, `${P}/registry/registry/ref_machine`, 0],
      [registry, `hr/v1/programme/registry/registry/ref_item`, 0],
      [registry, `${P}/registry/registry/census`, 135],
      [registry, `${P}/machine/m-chisinau-13-01/heartbeat`, 135],
      [ops, `${P}/operator/ops-ana/alert_ack`, 0],
      [ops, `${P}/operator/ops-ana/heartbeat`, 135],
    ];
    const got = await Promise.all(cases.map(([c, t]) => pub(c, t)));
    expect(cases.map(([, t], i) => [t, got[i]])).toEqual(cases.map(([, t, want]) => [t, want]));
    for (const c of [m1, census, health, registry, ops])
      for (const f of ["#", "hr/v1/#", "$share/ingest/hr/v1/#", "$SYS/#", `${P}/machine/m-chisinau-13-01/#`])
        expect([f, await sub(c, f)]).toEqual([f, [135]]);
  });

  it("binds each source account to its own client id: a machine cannot take over a gateway's or another machine's session", async () => {
    for (const clientId of ["hrvend-gw-1-0", "m-chisinau-13-02", "registry", "m-chisinau-13-01-x"]) {
      const outcome = await mqtt
        .connectAsync(url, {
          username: "m-chisinau-13-01",
          password: password("m-chisinau-13-01"),
          clientId,
          clean: false,
          protocolVersion: 5,
          reconnectPeriod: 0,
        })
        .then(
          async (c) => {
            await c.endAsync();
            return 0;
          },
          (e: { code?: number }) => e.code ?? -1,
        );
      expect([clientId, outcome]).toEqual([clientId, 135]);
    }
  });

  it("lets only the gateway read, through its $share/ingest group, and it gets every machine message", async () => {
    const gw = await connect("hrvend-gateway");
    expect(await sub(gw, "$share/ingest/hr/v1/#")).toEqual([1]);
    expect(await sub(gw, "#")).toEqual([135]);
    const seen: string[] = [];
    gw.on("message", (t) => seen.push(t));
    const m2 = await connect("m-chisinau-13-02", 4);
    for (let i = 0; i < 10; i++)
      await m2.publishAsync("hr/v1/chisinau-13/machine/m-chisinau-13-02/heartbeat", `${i}`, { qos: 1 });
    await expect.poll(() => seen.length, { timeout: 5_000 }).toBe(10);
  });
});

function dynsecPlugin(configured: string): string {
  // The deploy names Debian's amd64 path; on another architecture use the same file's location.
  for (const p of [configured, "/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so"]) {
    try {
      execFileSync("test", ["-f", p]);
      return p;
    } catch {}
  }
  return configured;
}
