import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { cardTokenKey } from "../src/crypto/card-token";
import { FileSink } from "../src/delivery/file-sink";
import { mqttJsConnector } from "../src/delivery/mqtt-js-connector";
import { MqttSink } from "../src/delivery/mqtt-sink";
import { OutboxStore } from "../src/delivery/outbox-store";
import { runSimulation } from "../src/run/run-simulation";
import { loadScenario } from "../src/scenario/load-scenario";
import { NULL_OUTPUT } from "../src/sim/sim-output";
import { Simulation } from "../src/sim/simulation";

export interface BenchOptions {
  /** Scenario name or path (default pilot). */
  scenario?: string;
  /** Simulated days (default 30 for a file, 3 over MQTT). */
  days?: number;
  seed?: string;
  /** Deployment secret; a random one by default (the broker must accept these credentials). */
  secret?: string;
}

export interface BenchResult {
  mode: "generator" | "file" | "mqtt";
  scenario: string;
  days: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  bytes?: number;
  url?: string;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Events/s of the generator alone (no serialisation sink, no I/O). */
export function benchGenerator(o: BenchOptions = {}): BenchResult {
  const { scenario } = loadScenario(o.scenario ?? "pilot");
  const days = o.days ?? 30;
  const t0 = performance.now();
  const sim = new Simulation(
    scenario,
    { seed: o.seed ?? "bench", days, cardTokenKey: cardTokenKey(o.secret ?? randomBytes(32)) },
    NULL_OUTPUT,
  );
  sim.runUntil(sim.endTime);
  sim.finish();
  const seconds = (performance.now() - t0) / 1000;
  return {
    mode: "generator",
    scenario: scenario.name,
    days,
    events: sim.stats.events,
    seconds: round(seconds),
    eventsPerSecond: Math.round(sim.stats.events / seconds),
  };
}

/** Events/s with `--speed max` to a JSONL file (plus the ledger), as `hrvend simulate --out` runs. */
export async function benchFile(o: BenchOptions = {}): Promise<BenchResult> {
  const { scenario } = loadScenario(o.scenario ?? "pilot");
  const days = o.days ?? 30;
  const dir = mkdtempSync(join(tmpdir(), "hrvend-bench-"));
  try {
    const out = join(dir, "events.jsonl");
    const summary = await runSimulation({
      scenario,
      seed: o.seed ?? "bench",
      days,
      speed: "max",
      cardTokenKey: cardTokenKey(o.secret ?? randomBytes(32)),
      sink: new FileSink(out),
      ledgerPath: join(dir, "ledger.jsonl"),
    });
    return {
      mode: "file",
      scenario: scenario.name,
      days,
      events: summary.events,
      seconds: round(summary.wallSeconds),
      eventsPerSecond: Math.round(summary.eventsPerSecond),
      bytes: statSync(out).size,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Events/s with `--speed max` over MQTT to `url` (QoS 1, acknowledged, persisted outbox), as `hrvend simulate --mqtt` runs. */
export async function benchMqtt(url: string, o: BenchOptions = {}): Promise<BenchResult> {
  const { scenario } = loadScenario(o.scenario ?? "pilot");
  const days = o.days ?? 3;
  const secret = o.secret ?? randomBytes(32).toString("base64url");
  const dir = mkdtempSync(join(tmpdir(), "hrvend-bench-"));
  try {
    const summary = await runSimulation({
      scenario,
      seed: o.seed ?? "bench",
      days,
      speed: "max",
      cardTokenKey: cardTokenKey(secret),
      sink: new MqttSink({
        connector: mqttJsConnector({ url, keepaliveSeconds: scenario.keepaliveSeconds }),
        secret,
        maxInflight: 1000,
      }),
      store: OutboxStore.open(join(dir, "state"), {
        scenario: scenario.name,
        scenarioSha256: "bench",
        seed: o.seed ?? "bench",
        days,
        start: scenario.start,
      }),
    });
    return {
      mode: "mqtt",
      scenario: scenario.name,
      days,
      events: summary.events,
      seconds: round(summary.wallSeconds),
      eventsPerSecond: Math.round(summary.eventsPerSecond),
      url,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `npx tsx devices/bench/simulator-bench.ts [--mqtt URL] [--scenario S] [--days N]` prints the results as JSON. */
async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const scenario = arg("--scenario");
  const days = arg("--days");
  const o: BenchOptions = { ...(scenario ? { scenario } : {}), ...(days ? { days: Number(days) } : {}) };
  const url = arg("--mqtt");
  const results: BenchResult[] = [benchGenerator(o), await benchFile(o)];
  if (url) results.push(await benchMqtt(url, o));
  process.stdout.write(`${JSON.stringify({ simulator: results }, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`bench failed: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
