import { writeFileSync } from "node:fs";
import { benchKnobs } from "../support/config";
import { dashboardsBench } from "../support/dashboards-bench";
import { startTestServers } from "../support/servers";
import { clusterBench } from "./cluster.bench";
import { faultsBench } from "./faults.bench";
import { ingestBench } from "./ingest.bench";
import { reorderBench } from "./reorder.bench";
import { simulatorBench } from "./simulator.bench";

/**
 * `npm run bench`: every benchmark of the project in one run on this machine, against private
 * servers it starts itself; writes bench.json at the repository root and prints a summary.
 */
const events = benchKnobs.events();
const started = new Date();
const { servers, stop } = await startTestServers();
const log = (s: string) => console.error(`[bench] ${s}`);
try {
  const ingest = await ingestBench(servers, events, log);
  const simulator = await simulatorBench(servers, log, benchKnobs.estateSeconds());
  const reorder = await reorderBench(log);
  const dashboards = await dashboardsBench(servers, log);
  const faults = await faultsBench(log);
  const cluster = await clusterBench(log);
  const restock = reorder.summary[reorder.headline];
  const result = {
    startedAt: started.toISOString(),
    machine: { cpus: (await import("node:os")).cpus().length, node: process.version },
    ingest,
    simulator,
    reorder,
    dashboards,
    faults,
    cluster,
  };
  writeFileSync(new URL("../../bench.json", import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  console.table({
    "raw MQTT (events/s)": ingest.rawMqttEventsPerSec,
    "raw JetStream publish (events/s)": ingest.rawJetStreamPublishPerSec,
    "end to end (events/s)": ingest.endToEndEventsPerSec,
    "end to end / raw MQTT": ingest.endToEndToRawMqttRatio,
    "latency p50 @1000/s (ms)": ingest.latencyAt1000PerSec.p50Ms,
    "latency p99 @1000/s (ms)": ingest.latencyAt1000PerSec.p99Ms,
    "simulator to file (events/s)": simulator.maxSpeed.fileEventsPerSec,
    "simulator over MQTT (events/s)": simulator.maxSpeed.mqttEventsPerSec,
    "estate in real time (cores)": simulator.estateRealtime.coresUsed,
    "reorder stockout min (fixed → hrvend)": `${restock?.naiveStockoutMinutes} → ${restock?.stockoutMinutes}`,
    "reorder item unavailable min (fixed → hrvend)": `${restock?.naiveItemUnavailableMinutes} → ${restock?.itemUnavailableMinutes}`,
    "reorder forecast MAPE / WAPE / bias": [
      restock?.forecast.all.mape,
      restock?.forecast.all.wape,
      restock?.forecast.all.bias,
    ].join(" / "),
    "dashboard panels: slowest p95 (ms, target < 200)": dashboards.slowestP95Ms,
    "faults: recovery (s) per component": Object.entries(faults.recoverySeconds)
      .map(([c, s]) => `${c} ${s}`)
      .join(", "),
    "faults: figures equal the ledger": faults.figuresEqualLedger,
    "whole pipeline single node (events/s)": cluster.singleNode.eventsPerSec,
    "whole pipeline on the 3-node cluster (events/s)": cluster.cluster.eventsPerSec,
    "cluster / single node": cluster.clusterToSingleRatio,
    "events per pipeline CPU-second (single / cluster)": `${cluster.singleNode.eventsPerCoreSecond} / ${cluster.cluster.eventsPerCoreSecond}`,
  });
  console.log("bench.json written");
} finally {
  await stop();
}
process.exit(0);
