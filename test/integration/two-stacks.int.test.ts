import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, isPortOpen } from "@hrvend/local-stack";
import { afterAll, describe, expect, it } from "vitest";
import { type CliResult, hrvend } from "../support/cli";
import { serviceReadyTimeoutSetting } from "../support/config";

/**
 * Two local stacks on one host (issue #18): every port of a stack is configurable, metrics
 * included, so a second `hrvend infra up` + `hrvend services start all` with other ports runs
 * beside the first instead of dying with EADDRINUSE. Also the conventions around it: `infra
 * status` and `services status` agree on exit codes (0 all up, 3 otherwise), and `--json` on
 * `services status`, `summary` and `smoke`.
 */
const SERVICES = ["gateway", "recorder", "stock", "reorder", "coverage"];

const dir = mkdtempSync(join(tmpdir(), "hrvend-two-stacks-"));
chmodSync(dir, 0o755);
const started: Record<string, string>[] = [];
afterAll(async () => {
  for (const env of started) await hrvend(["infra", "down"], env);
  rmSync(dir, { recursive: true, force: true });
}, 180_000);

/** A first metrics port with the four after it free (the services take five in a row). */
async function freeRun(taken: number[]): Promise<number> {
  for (;;) {
    const first = await freePort();
    const run = SERVICES.map((_, i) => first + i);
    if (run.some((p) => p > 65535 || taken.includes(p))) continue;
    if (!(await Promise.all(run.map((p) => isPortOpen(p)))).some(Boolean)) return first;
  }
}

/** A free port not among `taken` (the metrics runs chosen so far), added to it. */
async function freeOther(taken: number[]): Promise<number> {
  for (;;) {
    const p = await freePort();
    if (taken.includes(p)) continue;
    taken.push(p);
    return p;
  }
}

async function stackEnv(name: string, taken: number[]): Promise<Record<string, string>> {
  const metrics = await freeRun(taken);
  taken.push(...SERVICES.map((_, i) => metrics + i));
  return {
    HRVEND_STATE_DIR: join(dir, name),
    HRVEND_PG_PORT: String(await freeOther(taken)),
    HRVEND_NATS_PORT: String(await freeOther(taken)),
    HRVEND_NATS_MONITOR_PORT: String(await freeOther(taken)),
    HRVEND_MQTT_PORT: String(await freeOther(taken)),
    HRVEND_METRICS_PORT: String(metrics),
    HRVEND_SERVICE_READY_TIMEOUT: serviceReadyTimeoutSetting() ?? "240",
  };
}

async function metricsAnswer(port: number): Promise<boolean> {
  const r = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
  return r?.status === 200 && (await r.text()).includes("# TYPE");
}

const ok = (r: CliResult) => [r.code, r.stderr.slice(-2000)];

describe("two local stacks on one host", () => {
  it("given different ports for every part and for the metrics, when both start every service, then both run side by side and each service answers on its own metrics port", {
    timeout: 900_000,
  }, async () => {
    const taken: number[] = [];
    const a = await stackEnv("a", taken);
    const b = await stackEnv("b", taken);
    for (const env of [a, b]) {
      started.push(env);
      const up = await hrvend(["infra", "up"], env);
      expect(ok(up)).toEqual([0, expect.any(String)]);
      const start = await hrvend(["services", "start", "all"], env);
      expect(start.code, `${start.stdout}\n${start.stderr.slice(-3000)}`).toBe(0);
    }

    for (const env of [a, b]) {
      const infra = await hrvend(["infra", "status", "--json"], env);
      expect(infra.code).toBe(0);
      expect(JSON.parse(infra.stdout).map((p: { running: boolean }) => p.running)).toEqual([
        true,
        true,
        true,
      ]);
      const services = await hrvend(["services", "status", "--json"], env);
      expect(services.code, services.stdout).toBe(0);
      const all = JSON.parse(services.stdout) as {
        service: string;
        running: boolean;
        configured: boolean;
        pid: number;
      }[];
      // The notifier has no routing rules here: listed as not configured, which is not a failure.
      expect(all.filter((r) => !r.configured).map((r) => [r.service, r.running])).toEqual([
        ["notifier", false],
      ]);
      const rows = all.filter((r) => r.configured);
      expect(rows.map((r) => [r.service, r.running])).toEqual(SERVICES.map((s) => [s, true]));
      // Each service of each stack on its own port: the first + its place in the start order.
      const first = Number(env["HRVEND_METRICS_PORT"]);
      for (const [i] of SERVICES.entries()) expect(await metricsAnswer(first + i)).toBe(true);
    }
    const pidsOf = async (env: Record<string, string>) =>
      JSON.parse((await hrvend(["services", "status", "--json"], env)).stdout)
        .filter((r: { configured: boolean }) => r.configured)
        .map((r: { pid: number }) => r.pid);
    const pidsA = await pidsOf(a);
    const pidsB = await pidsOf(b);
    expect(new Set([...pidsA, ...pidsB]).size).toBe(10);

    // --json where a command prints data: summary, then smoke (its MQTT check publishes events
    // the gateway dead-letters) on stack B.
    const summary = await hrvend(["summary", "--json"], b);
    expect(summary.code, summary.stderr).toBe(0);
    const s = JSON.parse(summary.stdout);
    expect(s.events).toEqual({ total: 0, byKind: [], deviceTimeFrom: null, deviceTimeTo: null });
    expect(s.rejects.total).toBe(0);
    expect(s.freshness.state).toBe("settled");
    expect(s.consumerPositions).toEqual([]);
    const smoke = await hrvend(["smoke", "--json"], b);
    expect(smoke.code, smoke.stdout + smoke.stderr).toBe(0);
    const checks = JSON.parse(smoke.stdout) as { ok: boolean; checks: { name: string; ok: boolean }[] };
    expect(checks.ok).toBe(true);
    expect(checks.checks.map((c) => c.ok)).toEqual([true, true, true]);

    // A second stack that kept the first's metrics ports cannot start: the setting reaches the
    // services (they would otherwise all take the defaults and this would pass).
    await hrvend(["services", "stop", "recorder"], b);
    const restarted = await hrvend(["services", "start", "recorder"], {
      ...b,
      HRVEND_METRICS_PORT: a["HRVEND_METRICS_PORT"] as string,
    });
    expect(restarted.code).not.toBe(0);
    expect(restarted.stderr).toMatch(/EADDRINUSE/);

    // Exit codes agree: a stopped service makes `services status` exit 3 while the stack is up;
    // a stopped stack makes `infra status` exit 3.
    const bServices = await hrvend(["services", "status"], b);
    expect(bServices.code).toBe(3);
    expect(bServices.stdout).toMatch(/recorder +stopped/);
    expect((await hrvend(["infra", "status"], b)).code).toBe(0);
    expect((await hrvend(["services", "status"], a)).code).toBe(0);
    const down = await hrvend(["infra", "down"], b);
    expect(down.code, down.stderr).toBe(0);
    const bInfra = await hrvend(["infra", "status"], b);
    expect(bInfra.code).toBe(3);
    expect(bInfra.stdout).toMatch(/postgres +stopped/);
    // Stack A is untouched by B going down.
    expect((await hrvend(["infra", "status"], a)).code).toBe(0);
    expect((await hrvend(["services", "status"], a)).code).toBe(0);
  });

  it("given a bad environment variable or HRVEND_DEBUG=0, then the CLI says so in one line without a stack trace, and --version prints the version", async () => {
    const bad = await hrvend(["infra", "status"], {
      HRVEND_STATE_DIR: join(dir, "none"),
      HRVEND_PG_PORT: "nope",
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(
      "hrvend: invalid hrvend CLI configuration: HRVEND_PG_PORT: expected a number",
    );
    const badFlag = await hrvend(["--version"], { HRVEND_DEBUG: "maybe" });
    expect(badFlag.code).toBe(1);
    expect(badFlag.stderr.trim().split("\n")).toHaveLength(1);
    expect(badFlag.stderr).toMatch(/HRVEND_DEBUG: must be one of/);
    // HRVEND_DEBUG=0 is off: a failing command prints its message, not a stack trace.
    const failing = await hrvend(["smoke"], { HRVEND_STATE_DIR: join(dir, "none"), HRVEND_DEBUG: "0" });
    expect(failing.code).toBe(1);
    expect(failing.stderr.trim()).toBe(
      "hrvend: no local stack is running here; start it with: npx hrvend infra up",
    );
    const debug = await hrvend(["smoke"], { HRVEND_STATE_DIR: join(dir, "none"), HRVEND_DEBUG: "1" });
    expect(debug.stderr).toMatch(/\n\s+at /);
    const version = await hrvend(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
