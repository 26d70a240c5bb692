import type { ClusterBench } from "./cluster.bench";
import type { EstateBench } from "./estate.bench";
import type { IngestBench } from "./ingest.bench";
import type { ReplayBench } from "./replay.bench";
import type { StockLatencyBench } from "./stock-latency.bench";

/**
 * The targets of issue #20 in bench.json: each with the figure measured, the target, and a
 * baseline measured in the same run on the same machine (so the ratio is free of the machine's
 * load of the day).
 */
export interface Target {
  value: number | null;
  unit: string;
  /** `null`: reported only (the issue sets no target). `of: "ratio"`: the target bounds the ratio, not the value. */
  target: { op: ">=" | "<=" | "<"; value: number; of?: "ratio" } | null;
  baseline: { name: string; value: number | null; unit: string };
  /** value ÷ baseline (null when either is missing). */
  ratio: number | null;
  /** Whether the target is met; `null` when there is no target. A figure not measured is not met. */
  met: boolean | null;
  /** How it was measured when that departs from the issue's words (scaled, not feasible, …). */
  note?: string;
  /**
   * For a target not met: what the profile shows and what would close the gap (issue #20's
   * "Done when"), the long form in docs/performance.md, "Where #20 stands".
   */
  missed?: { why: string; wouldClose: string };
  detail?: Record<string, unknown>;
}

/** Attaches the explanation of a miss to a target that is not met (nothing when it is). */
function explainMiss(t: Target | undefined, missed: NonNullable<Target["missed"]>): void {
  if (t && t.met === false) t.missed = missed;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function target(
  value: number | null | undefined,
  unit: string,
  goal: Target["target"],
  baseline: Target["baseline"],
  extra: { note?: string; detail?: Record<string, unknown> } = {},
): Target {
  const v = value === undefined || value === null || !Number.isFinite(value) ? null : value;
  const b = baseline.value;
  const ratio = v !== null && b !== null && b !== 0 ? round(v / b, 3) : null;
  const x = goal?.of === "ratio" ? ratio : v;
  const met =
    goal === null
      ? null
      : x === null
        ? false
        : goal.op === ">="
          ? x >= goal.value
          : goal.op === "<="
            ? x <= goal.value
            : x < goal.value;
  return { value: v, unit, target: goal, baseline, ratio, met, ...extra };
}

/** The targets as rows for console.table: met / NOT MET / reported. */
export function targetTable(targets: Record<string, Target>): Record<string, Record<string, string>> {
  const fmt = (x: number | null) => (x === null ? "—" : x.toLocaleString("en-US"));
  return Object.fromEntries(
    Object.entries(targets).map(([name, t]) => [
      name,
      {
        value: `${fmt(t.value)} ${t.unit}`,
        target: t.target
          ? `${t.target.of === "ratio" ? "ratio " : ""}${t.target.op} ${fmt(t.target.value)}`
          : "(reported)",
        baseline: `${t.baseline.name}: ${fmt(t.baseline.value)} ${t.baseline.unit}`,
        ratio: fmt(t.ratio),
        status: t.met === null ? "reported" : t.met ? "met" : "NOT MET",
      },
    ]),
  );
}

/** A section that failed: the targets it measures are reported as not measured, with the reason. */
export interface Failed {
  error: string;
}
export const failed = (x: unknown): x is Failed => typeof x === "object" && x !== null && "error" in x;

/** Issue #20's "Targets" section, from the sections of one run. */
export function issue20Targets(r: {
  ingest: IngestBench;
  stockLatency: StockLatencyBench | Failed;
  cluster: ClusterBench;
  replay: ReplayBench | Failed | undefined;
  estate: EstateBench | Failed;
}): Record<string, Target> {
  const t: Record<string, Target> = {};
  const { ingest, cluster } = r;
  const single = cluster.singleNode;
  const rawMqtt = { name: "raw MQTT ceiling", value: ingest.rawMqttEventsPerSec, unit: "events/s" };

  t["pipeline.eventsPerCpuSecond"] = target(
    single.eventsPerCoreSecond,
    "events per pipeline CPU-second",
    { op: ">=", value: 10_000 },
    {
      name: "raw MQTT, events per broker CPU-second",
      value: ingest.rawMqttEventsPerBrokerCpuSecond,
      unit: "events per CPU-second",
    },
    {
      note:
        "pilot mix, single node, five services (cluster.bench.ts): CPU of every service and server process " +
        "and of PostgreSQL's backends still connected at the end, simulator excluded",
      detail: {
        scenario: cluster.scenario,
        days: cluster.days,
        events: single.events,
        cpuSeconds: single.cpuSeconds,
        cpuPer100kEvents: single.cpuPer100kEvents,
      },
    },
  );
  explainMiss(t["pipeline.eventsPerCpuSecond"], {
    why:
      "10,000 events per CPU-second is 10 CPU-s per 100k events for eight processes (cpuPer100kEvents): every " +
      "event crosses Mosquitto, the gateway, nats-server and four consumers that each receive and ack it. " +
      "Heartbeats are 89 % of the pilot: reorder (which reads only their deviceTime) and coverage (which decodes " +
      "none) still receive and ack each one, and stock rewrites a machine's whole state JSON in a batch with one of " +
      "its heartbeats.",
    wouldClose:
      "heartbeats on their own subject root in the events stream, so reorder and coverage filter them out in " +
      "nats-server (2.9 allows one filter subject per consumer); reorder's clock from a heartbeat-free source; " +
      "stock's heartbeat fields written as their own columns (machine_health) without the state JSON; " +
      "recorder rollups folded in memory across batches. Estimated from the profile: ~40 % less CPU, not 5×; " +
      "the rest is the fixed cost of three brokers and a JSON event crossing five processes.",
  });
  t["pipeline.wallEventsPerSec"] = target(single.eventsPerSec, "events/s", null, rawMqtt, {
    detail: { seconds: single.seconds, machineCores: 2 },
  });
  t["ingest.endToEndToRawMqtt"] = target(
    ingest.endToEndEventsPerSec,
    "events/s end to end",
    { op: ">=", value: 0.5, of: "ratio" },
    rawMqtt,
  );
  explainMiss(t["ingest.endToEndToRawMqtt"], {
    why:
      "the gateway takes each message from one MQTT connection and PUBACKs it only after JetStream's ack " +
      "(nothing acknowledged before it is stored); it uses about half a core while the stream falls behind the " +
      "publishers, so it is bound by the round trip over its in-flight window, not by CPU. The raw MQTT baseline " +
      "itself varies 17,700–42,200 events/s between runs of the same minute.",
    wouldClose:
      "several MQTT connections per gateway each owning a share of the machines by topic (a shared subscription " +
      "would reorder a machine's events, gateway-order.int), or more gateway instances on disjoint topic filters.",
  });

  const sl = r.stockLatency;
  const rawLatency = {
    name: "p99 publish → raw table (recorder) at 1,000/s",
    value: ingest.latencyAt1000PerSec.p99Ms,
    unit: "ms",
  };
  t["ingest.p99PublishToStockVisibleMs"] = failed(sl)
    ? target(null, "ms", { op: "<", value: 250 }, rawLatency, { note: `not measured: ${sl.error}` })
    : {
        ...target(sl.p99Ms, "ms", { op: "<", value: 250 }, rawLatency, {
          note:
            `${sl.rate} dispenses/s for ${sl.seconds} s through gateway, recorder and stock; stock.slot read every ` +
            `${sl.pollIntervalMs} ms on average (the latencies' resolution)` +
            (sl.notVisible > 0 ? `; ${sl.notVisible} events never became visible within 60 s` : ""),
          detail: { p50Ms: sl.p50Ms, maxMs: sl.maxMs, events: sl.events, notVisible: sl.notVisible },
        }),
        ...(sl.notVisible > 0 ? { met: false } : {}),
      };

  const rp = r.replay;
  for (const s of ["recorder", "stock", "reorder", "coverage"] as const) {
    const key = `replay.${s}.eventsPerSec`;
    if (rp === undefined || failed(rp)) {
      t[key] = target(
        null,
        "events/s",
        { op: ">=", value: 20_000 },
        { name: "raw JetStream consume", value: null, unit: "messages/s" },
        { note: `not measured: ${rp === undefined ? "the pipeline run failed" : rp.error}` },
      );
      continue;
    }
    const x = rp.services[s];
    t[key] = target(
      x.eventsPerSec,
      "events/s",
      { op: ">=", value: 20_000 },
      {
        name: "raw JetStream consume (pull, ack each)",
        value: rp.rawJetStreamConsumePerSec,
        unit: "messages/s",
      },
      {
        note: `the pilot run's stream (${rp.streamMessages} messages) replayed by ${s} alone into a fresh database`,
        detail: { ...x },
      },
    );
  }

  const e = r.estate;
  const wire = { name: "event JSON on the wire (MQTT payload)", unit: "bytes per event" };
  if (failed(e)) {
    t["storage.bytesPerEvent"] = target(
      null,
      "bytes per event",
      { op: "<=", value: 150 },
      { ...wire, value: null },
      { note: `not measured: ${e.error}` },
    );
  } else {
    const st = e.storage;
    const projected = st.projectedDayBytesPerEvent;
    t["storage.bytesPerEvent"] = target(
      projected ?? st.bytesPerEvent,
      "bytes per event",
      { op: "<=", value: 150 },
      { ...wire, value: st.wireBytesPerEvent },
      {
        note:
          (projected !== null
            ? `estate slice of ${st.days} days (${st.events} events) scaled to a day: the slice's bytes plus the marginal ` +
              `growth per event (${st.marginalGrowthBytesPerEvent}: each table's growth over the fast part, a table that shrank as 0) ` +
              `for the rest of the day's ${st.projectedEventsPerDay} events; the fast part reconnects every machine, so ` +
              "its births, alerts and plan recomputes are counted per event although they are per restart or per hour"
            : `estate slice of ${st.days} days (${st.events} events), NOT scaled to a day: no table grew between the ` +
              `real-time part and the end (${st.marginalGrowthBytesPerEvent}); the slice is the ` +
              "estate's start, weighed by one-off events (registry, births, first stocking, OAT register) and per-machine state rows") +
          "; every table of every schema, hypertable chunks, indexes and TOAST included, minus the empty schema" +
          (st.settled ? "" : "; the pipeline had NOT settled when measured"),
        detail: {
          sliceBytesPerEvent: st.bytesPerEvent,
          marginalBytesPerEvent: st.marginalBytesPerEvent,
          marginalGrowthBytesPerEvent: st.marginalGrowthBytesPerEvent,
          marginalByTable: st.marginalByTable,
          streamBytesPerEvent: st.streamBytesPerEvent,
          byTable: st.byTable,
        },
      },
    );
  }
  for (const s of ["gateway", "recorder", "stock", "reorder", "coverage"] as const) {
    const key = `rss.${s}.peakMb`;
    t[key] = failed(e)
      ? target(
          null,
          "MB",
          null,
          { name: "VmRSS at start, idle", value: null, unit: "MB" },
          { note: `not measured: ${e.error}` },
        )
      : target(
          e.rss.peakMb[s],
          "MB",
          null,
          { name: "VmRSS at start, idle", value: e.rss.idleMb[s] ?? null, unit: "MB" },
          {
            note: `VmHWM after the estate (${e.machines} machines) ran ${e.rss.realtimeSeconds} s in real time`,
            detail: { afterFullSpeedSliceMb: e.rss.peakAfterFullSpeedMb[s] },
          },
        );
  }
  return t;
}
