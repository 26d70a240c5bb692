import type { DashboardSpec } from "../model";
import { bargauge, orangeFromOne, redFromOne, stat, table, timeseries } from "../panels";
import { select, timeFilter, timeFrom, timeGroup, timeTo } from "../sql";
import { machinesOfflineCount, offlineMachinesTable } from "./offline";
import { machineVar, prisonFilter, prisonVar } from "./variables";

/**
 * Ingest counts per time bucket, prison and kind, never the health unit's OAT register (per-person
 * health data). A SECURITY DEFINER function over the recorder's hourly counts (migrations 0016,
 * 0017): nothing it reads holds or counted an OAT event, so neither the planner's estimates nor
 * EXPLAIN ANALYZE's buffers and timings tell how many a day had. Every hour overlapping the range.
 */
const pipelineCounts = (bucket: string) => `reporting.pipeline_counts(${timeFrom}, ${timeTo}, ${bucket})`;

const eventsInRange = stat({
  title: "Events accepted",
  description:
    "Events recorded in the hours of the time range (device time), after validation and de-duplication; the health unit's OAT register is not shown (per-person health data).",
  query: select({ events: "coalesce(sum(events), 0)::bigint" })
    .from(pipelineCounts("interval '1 day'"))
    .where(prisonFilter)
    .build(),
  w: 6,
  unit: "short",
});

const rejectsInRange = stat({
  title: "Rejected messages",
  description:
    "Messages the gateway refused (dead letters), by the time they arrived; the health unit's are not shown (`hrvend parked`/the database owner sees them).",
  query: select({ rejects: "count(*)" })
    .from("reporting.dead_letter_recent")
    .where(timeFilter("received_at"))
    .build(),
  w: 6,
  thresholds: orangeFromOne,
});

// No absolute stream position (migration 0017): it counts OAT register messages too.
const lag = select({
  consumer: "consumer",
  stream: "stream",
  behind_leader: "behind_leader",
  updated_at: "updated_at",
  seconds_since_commit: "round(extract(epoch from now() - updated_at))",
})
  .from("reporting.consumer_position")
  .build();

const maxLag = stat({
  title: "Largest consumer lag",
  description:
    "Messages the slowest consumer of a stream is behind the most advanced one (each commits its position with its results).",
  query: select({ behind: "coalesce(max(behind_leader), 0)" }).with("lag", lag).from("lag").build(),
  w: 6,
  thresholds: [
    { from: null, color: "green" },
    { from: 1000, color: "orange" },
    { from: 10000, color: "red" },
  ],
});

const offlineCount = machinesOfflineCount(
  "Machines not heard from for the silence threshold, or shut down.",
  6,
);

const ingestRate = timeseries({
  title: "Ingest rate by kind",
  description:
    "Events per second in each interval of at least an hour (device time), per event kind (OAT register events not shown).",
  query: select({
    time: timeGroup("bucket"),
    metric: "kind",
    events_per_s: "sum(events) / ($__interval_ms / 1000.0)",
  })
    // Buckets of the panel's interval (time_bucket, as $__timeGroup with TimescaleDB): regrouping
    // them by the same interval keeps every bucket whole.
    .from(pipelineCounts("$__interval_ms * interval '1 millisecond'"))
    .where(prisonFilter)
    .groupBy("1", "2")
    .orderBy("1", "2")
    .build(),
  w: 24,
  h: 8,
  unit: "reqps",
  // The counts are hourly.
  minInterval: "1h",
});

const rejectsOverTime = timeseries({
  title: "Rejects by reason",
  description: "Dead letters per interval, by reason (schema, topic mismatch, malformed JSON…).",
  query: select({ time: timeGroup("received_at"), metric: "reason", rejects: "count(*)" })
    .from("reporting.dead_letter_recent")
    .where(timeFilter("received_at"))
    .groupBy("1", "2")
    .orderBy("1", "2")
    .build(),
  w: 12,
  h: 8,
  minInterval: "1m",
});

const rejectsByReason = bargauge({
  title: "Rejects by reason (time range)",
  description: "Dead letters in the time range, per reason.",
  query: select({ reason: "reason", rejects: "count(*)" })
    .from("reporting.dead_letter_recent")
    .where(timeFilter("received_at"))
    .groupBy("reason")
    .orderBy("2 DESC", "1")
    .build(),
  w: 12,
  h: 8,
});

const consumerLag = table({
  title: "Consumer positions and lag",
  description:
    "How far each consumer is behind the most advanced consumer of its stream, and how long since it committed.",
  query: select({
    consumer: "consumer",
    stream: "stream",
    behind_leader: "behind_leader",
    updated_at: "updated_at",
    seconds_since_commit: "seconds_since_commit",
  })
    .with("lag", lag)
    .from("lag")
    .orderBy("stream", "consumer")
    .build(),
  w: 12,
  h: 7,
});

const offlineMachines = offlineMachinesTable("Machines offline now and since when.", 12);

const deadLetters = table({
  title: "Latest dead letters",
  description: "The most recent rejected messages with the reason a person can read (no payload is shown).",
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
  w: 24,
  h: 8,
});

// Invariant 6: what a consumer could not apply is parked so the stream goes on; any open one
// needs an operator (fix the cause, then `hrvend parked retry`).
const parkedOpen = stat({
  title: "Parked messages",
  description:
    "Messages a consumer (recorder, stock, reorder, coverage) could not apply and parked so that nothing behind them waits; open ones. Red from one: fix the cause, then `hrvend parked retry`.",
  query: select({ parked: "count(*)" }).from("reporting.parked_message").where("resolved_at IS NULL").build(),
  w: 6,
  thresholds: redFromOne,
});

const parkedList = table({
  title: "Open parked messages",
  description:
    "Each open parked message: its consumer, stream, subject and event key, and the error (class, code, message; never payload bytes); the health unit's are not shown. `hrvend parked list|show <id>` shows every one with its position and data to the database owner.",
  query: select({
    id: "id",
    parked_at: "parked_at",
    consumer: "consumer",
    stream: "stream",
    subject: "subject",
    event_key: "event_key",
    verdict: "verdict",
    error: "error_class || ' ' || error_code || ': ' || error_message",
    tries: "tries",
    retries: "retries",
  })
    .from("reporting.parked_message")
    .where("resolved_at IS NULL")
    .orderBy("parked_at DESC")
    .limit(100)
    .build(),
  w: 18,
  h: 7,
  // Empty on a healthy run (nothing parked).
  rows: "any",
});

// Invariant 6 for a machine's seqs: a gap never holds its later events for long. Each skipped gap
// (a dead-lettered seq at once, any other after the stock service's bound) is listed here.
const seqGaps = table({
  title: "Seq gaps skipped",
  description:
    "Seqs of a machine the stock service passed over so that its later events were not held: `dead_letter` (the gateway rejected that event, see the dead letters), `bound` (missing for GAP_BOUND_SECONDS of stream time: lost before the stream), `overflow`. An event that arrives later is still applied.",
  query: select({
    skipped_at: "skipped_at",
    prison: "prison_id",
    machine: "machine_id",
    seqs: "CASE WHEN from_seq = to_seq THEN from_seq::text ELSE from_seq || '–' || to_seq END",
    reason: "reason",
  })
    .from("reporting.stock_seq_gap")
    .where(timeFilter("skipped_at"), prisonFilter)
    .orderBy("skipped_at DESC")
    .limit(100)
    .build(),
  w: 24,
  h: 6,
  // Empty when no machine's seq was lost or dead-lettered.
  rows: "any",
});

// Alerts must reach people: a notification the notifier gave up on (every retry failed) needs an
// operator (fix the contact or the channel; the notifier's log names the reason).
const notificationsFailed = stat({
  title: "Notifications failed",
  description:
    "Alert messages (e-mail, webhook) the notifier gave up on after every retry with backoff. Red from one: check the contact's address or the webhook, then the notifier's log.",
  query: select({ failed: "coalesce(sum(messages), 0)::bigint" })
    .from("reporting.notifier_outbox()")
    .where("status = 'failed'")
    .build(),
  w: 6,
  thresholds: redFromOne,
});

const notificationsList = table({
  title: "Notification deliveries",
  description:
    "Alert messages by channel and state (pending, held for quiet hours, digested, sent, failed): how many, how many tries, the oldest, and when the next try is due. Never an address or a message text.",
  query: select({
    channel: "channel",
    status: "status",
    messages: "messages",
    tries: "attempts",
    oldest: "oldest_created_at",
    next_try: "next_attempt_at",
  })
    .from("reporting.notifier_outbox()")
    .orderBy("channel, status")
    .build(),
  w: 18,
  h: 6,
  // Empty until the notifier has planned a message.
  rows: "any",
});

export const pipelineDashboard: DashboardSpec = {
  uid: "hrvend-pipeline",
  title: "hrvend · Pipeline health",
  audience: "Operators",
  access: "operator",
  description: "Is the pipeline taking everything in, rejecting what it must, and keeping up?",
  tags: ["hrvend", "operations"],
  time: { from: "now-24h", to: "now" },
  refresh: "1m",
  variables: [prisonVar, machineVar],
  rows: [
    { title: "Now", panels: [eventsInRange, rejectsInRange, maxLag, offlineCount] },
    { title: "Flow", panels: [ingestRate, rejectsOverTime, rejectsByReason] },
    { title: "Consumers and machines", panels: [consumerLag, offlineMachines, deadLetters] },
    { title: "Parked messages", panels: [parkedOpen, parkedList] },
    { title: "Seq gaps", panels: [seqGaps] },
    { title: "Notifications", panels: [notificationsFailed, notificationsList] },
  ],
};
