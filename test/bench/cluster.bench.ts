import { join } from "node:path";
import { benchKnobs } from "../support/config";
import { ledgerFacts } from "../support/ledger";
import { type ClusterOptions, Pipeline } from "../support/pipeline";
import { reconcileRecorder } from "../support/reconcile";
import { cpuSeconds } from "./cpu";

export interface PipelineThroughput {
  natsNodes: number;
  instancesPerService: number;
  partitions: number;
  events: number;
  /** From the simulator's start until every consumer committed everything and plans were fresh. */
  seconds: number;
  eventsPerSec: number;
  /** CPU seconds of every pipeline process (services, brokers, database), simulator excluded. */
  cpuSeconds: number;
  /** Events per CPU-second of the pipeline: what one core carries. */
  eventsPerCoreSecond: number;
  /** The profile of the run: CPU seconds per 100,000 events of each process (PostgreSQL: its main process and its backends). */
  cpuPer100kEvents: Record<string, number>;
  rawEventsEqualLedger: boolean;
}

export interface ClusterBench {
  scenario: string;
  days: number;
  singleNode: PipelineThroughput;
  /** Absent with `singleNodeOnly` (`npm run bench -- --quick`). */
  cluster?: PipelineThroughput;
  /** cluster events/s ÷ single-node events/s, same machine, same run. */
  clusterToSingleRatio?: number;
}

export interface ClusterBenchOptions {
  /** Skip the 3-node cluster run. */
  singleNodeOnly?: boolean;
  /** Runs on the single-node pipeline once it settled and was measured, before it stops. */
  afterSingleNode?: (p: Pipeline) => Promise<void>;
}

/**
 * The whole pipeline (mosquitto → gateways → JetStream → recorder, stock, reorder, coverage →
 * TimescaleDB) fed by the simulator at full speed, once single-node and once on a 3-node NATS
 * cluster with R3 streams and two instances of every service over 4 partitions. On one 2-core
 * machine the cluster cannot be faster (three replicas and twice the processes share the same
 * cores): the ratio measures what replication and partitioning cost, the per-core figure what
 * sizing needs.
 */
export async function clusterBench(
  log: (s: string) => void,
  scenario = "pilot",
  days = benchKnobs.clusterDays(),
  opts: ClusterBenchOptions = {},
): Promise<ClusterBench> {
  const singleNode = await measure(log, scenario, days, undefined, opts.afterSingleNode);
  if (opts.singleNodeOnly) return { scenario, days, singleNode };
  const cluster = await measure(log, scenario, days, { partitions: 4, leaseSeconds: 10 });
  return {
    scenario,
    days,
    singleNode,
    cluster,
    clusterToSingleRatio: Math.round((cluster.eventsPerSec / singleNode.eventsPerSec) * 100) / 100,
  };
}

async function measure(
  log: (s: string) => void,
  scenario: string,
  days: number,
  cluster?: ClusterOptions,
  after?: (p: Pipeline) => Promise<void>,
): Promise<PipelineThroughput> {
  const label = cluster ? "bench-cluster" : "bench-single";
  const p = await Pipeline.start(scenario, label, cluster);
  try {
    const named = () => [...p.services, ...p.servers].map(([name, x]) => [name, cpuSeconds(x.pid)] as const);
    const cpu0 = new Map(named());
    const ledger = join(p.dir, "ledger.jsonl");
    const t0 = performance.now();
    log(`${label}: ${scenario}, ${days} days at full speed`);
    const sim = p.simulate([
      ...["--scenario", scenario, "--days", String(days), "--seed", "21"],
      ...["--speed", "max", "--ledger", ledger],
    ]);
    const exit = await sim.exited;
    if (exit !== 0) throw new Error(`simulator failed: ${sim.output()}`);
    const facts = ledgerFacts(ledger);
    const events = facts.filter((f) => f.fact === "event").length;
    await p.settle(events);
    const seconds = (performance.now() - t0) / 1000;
    const byProcess = named().map(([name, s]) => [name, s - (cpu0.get(name) ?? 0)] as const);
    const cpu = byProcess.reduce((n, [, s]) => n + s, 0);
    let equal = true;
    try {
      await reconcileRecorder(p.db, facts);
    } catch (e) {
      log(`${label}: raw events differ from the ledger: ${(e as Error).message.slice(0, 300)}`);
      equal = false;
    }
    const r: PipelineThroughput = {
      natsNodes: cluster ? 3 : 1,
      instancesPerService: cluster ? 2 : 1,
      partitions: cluster?.partitions ?? 0,
      events,
      seconds: Math.round(seconds * 10) / 10,
      eventsPerSec: Math.round(events / seconds),
      cpuSeconds: Math.round(cpu * 10) / 10,
      eventsPerCoreSecond: Math.round(events / cpu),
      cpuPer100kEvents: Object.fromEntries(
        byProcess.map(([name, s]) => [name, Math.round((s / events) * 1e5 * 100) / 100]),
      ),
      rawEventsEqualLedger: equal,
    };
    log(`${label}: ${JSON.stringify(r)}`);
    await after?.(p);
    return r;
  } finally {
    await p.stop();
  }
}
