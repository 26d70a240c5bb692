import type { DashboardSpec, PanelSpec } from "../model";
import { inVar, select, timeFilter, timeGroup } from "../sql";
import { machineVar, prisonVar } from "./variables";

const prisonFilter = inVar("prison_id", "prison");

const eventsInRange: PanelSpec = {
  title: "Events accepted",
  description: "Events recorded in the time range (device time), after validation and de-duplication.",
  kind: "stat",
  query: select({ events: "count(*)" })
    .from("reporting.ingest_event")
    .where(timeFilter("event_time"), prisonFilter)
    .build(),
  format: "table",
  rows: "some",
  w: 6,
  h: 4,
  unit: "short",
};

const rejectsInRange: PanelSpec = {
  title: "Rejected messages",
  description: "Messages the gateway refused (dead letters), by the time they arrived.",
  kind: "stat",
  query: select({ rejects: "count(*)" })
    .from("reporting.dead_letter_recent")
    .where(timeFilter("received_at"))
    .build(),
  format: "table",
  rows: "some",
  w: 6,
  h: 4,
  thresholds: [
    { from: null, color: "green" },
    { from: 1, color: "orange" },
  ],
};

const lag = select({
  consumer: "consumer",
  stream: "stream",
  stream_seq: "stream_seq",
  behind_leader: "max(stream_seq) OVER (PARTITION BY stream) - stream_seq",
  updated_at: "updated_at",
  seconds_since_commit: "round(extract(epoch from now() - updated_at))",
})
  .from("reporting.consumer_position")
  .build();

const maxLag: PanelSpec = {
  title: "Largest consumer lag",
  description:
    "Messages the slowest consumer of a stream is behind the most advanced one (each commits its position with its results).",
  kind: "stat",
  query: select({ behind: "coalesce(max(behind_leader), 0)" }).with("lag", lag).from("lag").build(),
  format: "table",
  rows: "some",
  w: 6,
  h: 4,
  thresholds: [
    { from: null, color: "green" },
    { from: 1000, color: "orange" },
    { from: 10000, color: "red" },
  ],
};

const offlineCount: PanelSpec = {
  title: "Machines offline",
  description: "Machines not heard from for the silence threshold, or shut down.",
  kind: "stat",
  query: select({ offline: "count(*) FILTER (WHERE status = 'offline')" })
    .from("reporting.machine_health")
    .where(prisonFilter, inVar("machine_id", "machine"))
    .build(),
  format: "table",
  rows: "some",
  w: 6,
  h: 4,
  thresholds: [
    { from: null, color: "green" },
    { from: 1, color: "red" },
  ],
};

const ingestRate: PanelSpec = {
  title: "Ingest rate by kind",
  description: "Events per second in each interval (device time), per event kind.",
  kind: "timeseries",
  query: select({
    time: timeGroup("event_time"),
    metric: "kind",
    events_per_s: "count(*) / ($__interval_ms / 1000.0)",
  })
    .from("reporting.ingest_event")
    .where(timeFilter("event_time"), prisonFilter)
    .groupBy("1", "2")
    .orderBy("1", "2")
    .build(),
  format: "time_series",
  rows: "some",
  w: 24,
  h: 8,
  unit: "reqps",
  minInterval: "5m",
};

const rejectsOverTime: PanelSpec = {
  title: "Rejects by reason",
  description: "Dead letters per interval, by reason (schema, topic mismatch, malformed JSON…).",
  kind: "timeseries",
  query: select({ time: timeGroup("received_at"), metric: "reason", rejects: "count(*)" })
    .from("reporting.dead_letter_recent")
    .where(timeFilter("received_at"))
    .groupBy("1", "2")
    .orderBy("1", "2")
    .build(),
  format: "time_series",
  rows: "some",
  w: 12,
  h: 8,
  minInterval: "1m",
};

const rejectsByReason: PanelSpec = {
  title: "Rejects by reason (time range)",
  description: "Dead letters in the time range, per reason.",
  kind: "bargauge",
  query: select({ reason: "reason", rejects: "count(*)" })
    .from("reporting.dead_letter_recent")
    .where(timeFilter("received_at"))
    .groupBy("reason")
    .orderBy("2 DESC", "1")
    .build(),
  format: "table",
  rows: "some",
  w: 12,
  h: 8,
};

const consumerLag: PanelSpec = {
  title: "Consumer positions and lag",
  description:
    "Each consumer's committed stream position, how far behind the leader, and how long since it committed.",
  kind: "table",
  query: select({
    consumer: "consumer",
    stream: "stream",
    stream_seq: "stream_seq",
    behind_leader: "behind_leader",
    updated_at: "updated_at",
    seconds_since_commit: "seconds_since_commit",
  })
    .with("lag", lag)
    .from("lag")
    .orderBy("stream", "consumer")
    .build(),
  format: "table",
  rows: "some",
  w: 12,
  h: 7,
};

const offlineMachines: PanelSpec = {
  title: "Offline machines",
  description: "Machines offline now and since when.",
  kind: "table",
  query: select({
    prison_id: "prison_id",
    machine_id: "machine_id",
    status_since: "status_since",
    last_seen_at: "last_seen_at",
    power: "power",
  })
    .from("reporting.machine_health")
    .where("status = 'offline'", prisonFilter, inVar("machine_id", "machine"))
    .orderBy("status_since")
    .build(),
  format: "table",
  rows: "any",
  w: 12,
  h: 7,
};

const deadLetters: PanelSpec = {
  title: "Latest dead letters",
  description: "The most recent rejected messages with the reason a person can read (no payload is shown).",
  kind: "table",
  query: select({
    received_at: "received_at",
    reason: "reason",
    message: "message",
    topic: "topic",
    source: "source",
    payload_bytes: "payload_bytes",
  })
    .from("reporting.dead_letter_recent")
    .where(timeFilter("received_at"))
    .orderBy("received_at DESC")
    .limit(100)
    .build(),
  format: "table",
  rows: "some",
  w: 24,
  h: 8,
};

export const pipelineDashboard: DashboardSpec = {
  uid: "hrvend-pipeline",
  title: "hrvend · Pipeline health",
  audience: "Operators",
  description: "Is the pipeline taking everything in, rejecting what it must, and keeping up?",
  tags: ["hrvend", "operations"],
  time: { from: "now-24h", to: "now" },
  refresh: "1m",
  variables: [prisonVar, machineVar],
  rows: [
    { title: "Now", panels: [eventsInRange, rejectsInRange, maxLag, offlineCount] },
    { title: "Flow", panels: [ingestRate, rejectsOverTime, rejectsByReason] },
    { title: "Consumers and machines", panels: [consumerLag, offlineMachines, deadLetters] },
  ],
};
