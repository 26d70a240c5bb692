import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { loadScenario } from "@hrvend/devices";
import { newSecret } from "@hrvend/runtime";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";
import { startPrivateServers } from "../support/private-servers";
import { heartbeatMismatches, rawKinds, recordedCount } from "../support/recorded";
import { type ServiceProcess, startService } from "../support/services";
import { ledgerEvents, runSimulator } from "../support/simulator";

// The simulator's prison ids are fixed, so this run gets a broker and a NATS server of its own.
const iso = isolate("ingestkill");
const dir = mkdtempSync(join(tmpdir(), "hrvend-e2e-"));
chmodSync(dir, 0o755);
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe("ingest end to end", () => {
  it("a 100,000-event simulated run survives SIGKILL of the gateway and of the recorder: raw events and heartbeat rollups equal the ledger, none missing, none twice", {
    timeout: 600_000,
  }, async () => {
    const secret = newSecret();
    const { scenario } = loadScenario("pilot");
    const { broker, nats, stop } = await startPrivateServers(dir, scenario, secret);
    cleanup.push(stop);
    const tdb: TestDatabase = await testDatabase(iso);
    cleanup.push(() => tdb.close());

    const gatewayEnv = {
      GATEWAY_ID: "e2e",
      MQTT_URL: broker.url,
      MQTT_USERNAME: "gw",
      MQTT_PASSWORD: "gw",
      NATS_URL: nats.url,
      METRICS_PORT: "0",
    };
    const recorderEnv = { NATS_URL: nats.url, DATABASE_URL: tdb.roleUrl("hrvend_writer"), METRICS_PORT: "0" };
    let gateway: ServiceProcess = await startService("gateway", gatewayEnv, "e2e-gateway");
    let recorder: ServiceProcess = await startService("recorder", recorderEnv, "e2e-recorder");
    cleanup.push(
      () => gateway.kill("SIGTERM"),
      () => recorder.kill("SIGTERM"),
    );

    const ledger = join(dir, "ledger.jsonl");
    const sim = runSimulator(
      [
        "--scenario",
        "pilot",
        "--days",
        "36",
        "--seed",
        "100k",
        "--speed",
        "max",
        "--mqtt-url",
        broker.url,
        "--ledger",
        ledger,
        "--state-dir",
        join(dir, "sim"),
      ],
      { HRVEND_DEPLOYMENT_SECRET: secret },
    );
    // Raw rows plus the heartbeats their rollups counted (migration 0025).
    const rows = () => recordedCount(tdb.db);

    await expect.poll(rows, { timeout: 120_000, interval: 100 }).toBeGreaterThan(20_000);
    await gateway.kill("SIGKILL");
    gateway = await startService("gateway", gatewayEnv, "e2e-gateway");
    await expect.poll(rows, { timeout: 120_000, interval: 100 }).toBeGreaterThan(50_000);
    await recorder.kill("SIGKILL");
    recorder = await startService("recorder", recorderEnv, "e2e-recorder");

    expect(await sim.exited, sim.output()).toBe(0);
    const truth = ledgerEvents(ledger);
    expect(truth.length).toBeGreaterThanOrEqual(100_000);
    await expect.poll(rows, { timeout: 180_000, interval: 500 }).toBe(truth.length);

    const stored = await sql<{
      event_key: string;
      payload: unknown;
    }>`SELECT event_key, payload FROM ingest.raw_event`.execute(tdb.db);
    const byKey = new Map(stored.rows.map((r) => [r.event_key, r.payload]));
    expect(byKey.size).toBe(stored.rows.length); // none twice
    const raw = rawKinds(truth);
    expect(byKey.size).toBe(raw.length);
    const missing = raw.filter((l) => !byKey.has(l.key)).map((l) => l.key);
    expect(missing).toEqual([]); // none missing
    // jsonb keeps its own key order: compare values, not text.
    const differing = raw.filter((l) => !isDeepStrictEqual(byKey.get(l.key), l.event)).slice(0, 3);
    expect(differing).toEqual([]);
    // Heartbeats: every machine-hour's rollup equals the ledger's heartbeats summed by hand.
    expect(
      await heartbeatMismatches(
        tdb.db,
        truth.map((l) => l.event),
      ),
    ).toEqual([]);
    const dead = await sql<{ n: string }>`SELECT count(*) AS n FROM ingest.dead_letter`.execute(tdb.db);
    expect(Number(dead.rows[0]?.n)).toBe(0);
  });
});
