import { writeFileSync } from "node:fs";
import { benchKnobs } from "../support/config";
import { dashboardsBench } from "../support/dashboards-bench";
import { startTestServers } from "../support/servers";
import { clusterBench } from "./cluster.bench";
import { estateBench } from "./estate.bench";
import { faultsBench } from "./faults.bench";
import { ingestBench } from "./ingest.bench";
import { reorderBench } from "./reorder.bench";
import { type ReplayBench, replayBench } from "./replay.bench";
import { simulatorBench } from "./simulator.bench";
import { stockLatencyBench } from "./stock-latency.bench";
import { type Failed, issue20Targets, targetTable } from "./targets";

/**
 * `npm run bench`: every benchmark of the project in one run on this machine, against private
 * servers it starts itself; writes bench.json at the repository root and prints a summary, then
 * issue #20's targets (`targets` in bench.json) as a table.
 *
 * `npm run bench -- --quick`: only what issue #20's targets need, at small sizes (ingest, stock
 * latency, the single-node pilot pipeline and its replays, a slice of the estate), for use while
 * developing; the simulator, reorder, dashboards, faults and 3-node cluster benchmarks are skipped.
 */
const quick = process.argv.includes("--quick");
const events = benchKnobs.events(quick ? 20_000 : undefined);
const started = new Date();
const { servers, stop } = await startTestServers();
const log = (s: string) => console.error(`[bench] ${new Date().toISOString().slice(11, 19)} ${s}`);
/** A section of issue #20's targets that fails is recorded with its error; the others still run. */
async function attempt<T>(name: string, f: () => Promise<T>): Promise<T | Failed> {
  try {
    return await f();
  } catch (e) {
    log(`${name} failed: ${(e as Error).stack ?? e}`);
    return { error: (e as Error).message.slice(0, 500) };
  }
}
try {
  const ingest = await ingestBench(servers, events, log, quick ? 10 : 15);
  const stockLatency = await attempt("stock latency", () => stockLatencyBench(servers, log, quick ? 10 : 15));
  const simulator = quick ? undefined : await simulatorBench(servers, log, benchKnobs.estateSeconds());
  const reorder = quick ? undefined : await reorderBench(log);
  const dashboards = quick ? undefined : await dashboardsBench(servers, log);
  const faults = quick ? undefined : await faultsBench(log);
  let replay: ReplayBench | Failed | undefined;
  const cluster = await clusterBench(log, "pilot", benchKnobs.clusterDays(quick ? 7 : undefined), {
    singleNodeOnly: quick,
    afterSingleNode: async (p) => {
      replay = await attempt("replay", () => replayBench(p, log));
    },
  });
  const estate = await attempt("estate", () =>
    estateBench(log, {
      realtimeSeconds: benchKnobs.estateRealtimeSeconds(quick ? 40 : undefined),
      days: benchKnobs.estateDays(quick ? 0.02 : undefined),
      settleTimeoutMs: quick ? 240_000 : 1_800_000,
    }),
  );
  const targets = issue20Targets({ ingest, stockLatency, cluster, replay, estate });
  const restock = reorder?.summary[reorder.headline];
  const result = {
    startedAt: started.toISOString(),
    quick,
    machine: { cpus: (await import("node:os")).cpus().length, node: process.version },
    targets,
    ingest,
    stockLatency,
    simulator,
    reorder,
    dashboards,
    faults,
    cluster,
    replay,
    estate,
  };
  writeFileSync(new URL("../../bench.json", import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  console.table({
    "raw MQTT (events/s)": ingest.rawMqttEventsPerSec,
    "raw JetStream publish (events/s)": ingest.rawJetStreamPublishPerSec,
    "end to end (events/s)": ingest.endToEndEventsPerSec,
    "end to end / raw MQTT": ingest.endToEndToRawMqttRatio,
    "latency p50 @1000/s (ms)": ingest.latencyAt1000PerSec.p50Ms,
    "latency p99 @1000/s (ms)": ingest.latencyAt1000PerSec.p99Ms,
    ...(simulator && {
      "simulator to file (events/s)": simulator.maxSpeed.fileEventsPerSec,
      "simulator over MQTT (events/s)": simulator.maxSpeed.mqttEventsPerSec,
      "estate in real time (cores)": simulator.estateRealtime.coresUsed,
    }),
    ...(restock && {
      "reorder stockout min (fixed → hrvend)": `${restock.naiveStockoutMinutes} → ${restock.stockoutMinutes}`,
      "reorder item unavailable min (fixed → hrvend)": `${restock.naiveItemUnavailableMinutes} → ${restock.itemUnavailableMinutes}`,
      "reorder forecast MAPE / WAPE / bias": [
        restock.forecast.all.mape,
        restock.forecast.all.wape,
        restock.forecast.all.bias,
      ].join(" / "),
    }),
    ...(dashboards && { "dashboard panels: slowest p95 (ms, target < 200)": dashboards.slowestP95Ms }),
    ...(faults && {
      "faults: recovery (s) per component": Object.entries(faults.recoverySeconds)
        .map(([c, s]) => `${c} ${s}`)
        .join(", "),
      "faults: figures equal the ledger": faults.figuresEqualLedger,
    }),
    "whole pipeline single node (events/s)": cluster.singleNode.eventsPerSec,
    ...(cluster.cluster && {
      "whole pipeline on the 3-node cluster (events/s)": cluster.cluster.eventsPerSec,
      "cluster / single node": cluster.clusterToSingleRatio,
      "events per pipeline CPU-second (single / cluster)": `${cluster.singleNode.eventsPerCoreSecond} / ${cluster.cluster.eventsPerCoreSecond}`,
    }),
  });
  console.log('Issue #20 targets (bench.json "targets"):');
  console.table(targetTable(targets));
  console.log(`bench.json written${quick ? " (--quick)" : ""}`);
} finally {
  await stop();
}
process.exit(0);
