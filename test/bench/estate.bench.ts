import { join } from "node:path";
import { natsServers } from "@hrvend/runtime/nats";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { sql } from "kysely";
import { ledgerFacts } from "../support/ledger";
import { Pipeline, SERVICES } from "../support/pipeline";
import { peakRssMb, rssMb } from "./rss";

export interface EstateBench {
  scenario: "estate";
  machines: number;
  /** Peak resident set (VmHWM, MB) of every process after the estate ran in real time. */
  rss: {
    realtimeSeconds: number;
    eventsInRealtime: number;
    peakMb: Record<string, number | null>;
    /** VmRSS (MB) of each service right after it started, before any event. */
    idleMb: Record<string, number | null>;
    /** VmHWM again after the slice at full speed. */
    peakAfterFullSpeedMb: Record<string, number | null>;
  };
  storage: {
    days: number;
    events: number;
    settled: boolean;
    /** Bytes of every table (chunks, indexes and TOAST included) minus those of the empty schema. */
    bytes: number;
    bytesPerEvent: number | null;
    /** Between the end of the real-time part and the end of the slice: what one more event costs. */
    marginalBytesPerEvent: number | null;
    /** The same with each table's growth counted and a table that shrank as 0: what the day's projection uses. */
    marginalGrowthBytesPerEvent: number | null;
    /** A whole estate day, from the slice's size plus the marginal growth of the rest of the day. */
    projectedDayBytesPerEvent: number | null;
    /** The estate's heartbeats of a day (machines × 86,400 ÷ heartbeat interval). */
    projectedEventsPerDay: number;
    /** Mean JSON payload of an event as published over MQTT (topic and MQTT framing excluded). */
    wireBytesPerEvent: number;
    /** JetStream's stored bytes per message (subject, headers and payload). */
    streamBytesPerEvent: number;
    byTable: Record<string, number>;
    /** Per table, its growth between the end of the real-time part and the end of the slice per event (what one more event costs it). */
    marginalByTable: Record<string, number>;
  };
}

const EXCLUDED = [
  "pg_catalog",
  "information_schema",
  "pg_toast",
  "_timescaledb_catalog",
  "_timescaledb_config",
  "_timescaledb_cache",
  "timescaledb_information",
  "timescaledb_experimental",
  "_timescaledb_functions",
  "_timescaledb_debug",
];

/** Bytes of every table of every schema (a hypertable's chunks counted under the hypertable). */
async function tableBytes(p: Pipeline): Promise<Map<string, number>> {
  const rows = await sql<{ owner: string; bytes: string }>`
    SELECT coalesce(ch.hypertable_schema || '.' || ch.hypertable_name, n.nspname || '.' || c.relname) AS owner,
           sum(pg_total_relation_size(c.oid))::bigint AS bytes
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN timescaledb_information.chunks ch ON ch.chunk_schema = n.nspname AND ch.chunk_name = c.relname
    WHERE c.relkind IN ('r', 'm', 'p') AND n.nspname NOT IN (${sql.join(EXCLUDED)})
    GROUP BY 1`.execute(p.db);
  return new Map(rows.rows.map((r) => [r.owner, Number(r.bytes)]));
}
const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/**
 * The reorder service's schedules, one entry per prison, exceed Linux's 128 kB limit on one
 * environment variable with the estate's 1,500 prisons: the most common value of each field
 * goes to `"*"` (reorder's scheduleFor: default < "*" < prison), each prison keeps what differs.
 * The same schedules, in fewer bytes.
 */
function compactSchedules(json: string): string {
  const all = JSON.parse(json) as Record<string, Record<string, unknown>>;
  const common: Record<string, unknown> = {};
  const fields = new Set(Object.values(all).flatMap((s) => Object.keys(s)));
  for (const f of fields) {
    const counts = new Map<string, number>();
    for (const s of Object.values(all))
      if (f in s) counts.set(JSON.stringify(s[f]), (counts.get(JSON.stringify(s[f])) ?? 0) + 1);
    const [best] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? [];
    if (best !== undefined) common[f] = JSON.parse(best);
  }
  const out: Record<string, Record<string, unknown>> = { "*": common };
  for (const [prison, s] of Object.entries(all)) {
    const own = Object.fromEntries(
      Object.entries(s).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(common[k])),
    );
    if (Object.keys(own).length > 0) out[prison] = own;
  }
  return JSON.stringify(out);
}

/** Pipeline.start for the estate, with reorder's schedules compacted (see compactSchedules). */
async function startEstatePipeline(): Promise<Pipeline> {
  const original = Pipeline.prototype.serviceEnv;
  Pipeline.prototype.serviceEnv = function (this: Pipeline, instance: string) {
    const env = original.call(this, instance);
    const schedules = env["REORDER_SCHEDULES"];
    return schedules === undefined ? env : { ...env, REORDER_SCHEDULES: compactSchedules(schedules) };
  };
  try {
    return await Pipeline.start("estate", "bench-estate");
  } finally {
    Pipeline.prototype.serviceEnv = original;
  }
}

/** Waits until the stream stopped growing (holding at least `events`) and every consumer committed its last message. */
async function settle(p: Pipeline, timeoutMs: number, events?: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let stillSince = Date.now();
  for (;;) {
    const s = await p.streamState().catch(() => undefined);
    const at = await p.positions().catch(() => undefined);
    if (s && s.lastSeq !== last) {
      last = s.lastSeq;
      stillSince = Date.now();
    }
    // At least `events` (the broker may add wills of connections the stopped simulator left).
    const complete = Date.now() - stillSince > 3000 && (events === undefined || (s?.messages ?? 0) >= events);
    if (s && at && complete && Object.values(at).every((x) => x === s.lastSeq)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The estate scenario (4,500 machines) through the whole single-node pipeline: first in real
 * time for `realtimeSeconds` (every process's peak RSS is read at its end), then the same run
 * resumed at full speed until `days` simulated days (the simulator resumes a stopped run from
 * its state dir, so seqs continue). Storage is the size of every table over the events stored;
 * measured at the end of both parts, it gives the marginal bytes of one more event, from which
 * a whole day is projected when the slice is shorter than a day.
 */
export async function estateBench(
  log: (s: string) => void,
  opts: { realtimeSeconds: number; days: number; settleTimeoutMs: number },
): Promise<EstateBench> {
  log("estate: starting the pipeline (4,500 machines)");
  const p = await startEstatePipeline();
  try {
    const machines = p.scenario.prisons.reduce((n, x) => n + x.machines.length, 0);
    const pids = new Map<string, number>([
      ...[...p.services].map(([n, s]) => [n, s.pid] as const),
      ...[...p.servers].map(([n, s]) => [n, s.pid] as const),
    ]);
    const idleMb = Object.fromEntries(SERVICES.map((s) => [s, rssMb(pids.get(s) ?? -1) ?? null]));
    const empty = await tableBytes(p);
    const ledger = join(p.dir, "ledger.jsonl");
    const args = ["--scenario", "estate", "--days", String(opts.days), "--seed", "21", "--ledger", ledger];

    log(`estate: in real time for ${opts.realtimeSeconds} s`);
    const live = p.simulate([...args, "--speed", "realtime"]);
    await new Promise((r) => setTimeout(r, opts.realtimeSeconds * 1000));
    const peakMb = Object.fromEntries([...pids].map(([n, pid]) => [n, peakRssMb(pid) ?? null]));
    live.child.kill("SIGTERM");
    // The real-time simulator has been seen not to exit (docs/performance.md, "Estate bench"):
    // killed after 15 s so the bench goes on (its outbox in --state-dir resumes a killed run).
    const ended = await Promise.race([
      live.exited.then(() => true),
      new Promise<false>((r) => setTimeout(() => r(false), 15_000).unref()),
    ]);
    if (!ended) {
      log("estate: the real-time simulator did not exit 15 s after SIGTERM; SIGKILL");
      live.child.kill("SIGKILL");
      await live.exited;
    }
    const settledA = await settle(p, opts.settleTimeoutMs);
    const atA = await tableBytes(p);
    const a = { events: (await p.streamState()).messages, bytes: sum(atA) - sum(empty) };
    log(
      `estate: real time gave ${a.events} events (${settledA ? "settled" : "NOT settled"}); resuming at full speed to ${opts.days} days`,
    );

    const t0 = performance.now();
    const fast = p.simulate([...args, "--speed", "max"]);
    const exit = await fast.exited;
    if (exit !== 0) throw new Error(`estate: the simulator failed: ${fast.output().slice(-2000)}`);
    const facts = ledgerFacts(ledger);
    const events = facts.filter((f) => f.fact === "event").length;
    const settled = await settle(p, opts.settleTimeoutMs, events);
    log(
      `estate: ${events} events, ${settled ? "settled" : "NOT settled"} after ${Math.round((performance.now() - t0) / 1000)} s`,
    );
    const peakAfterFullSpeedMb = Object.fromEntries([...pids].map(([n, pid]) => [n, peakRssMb(pid) ?? null]));

    const after = await tableBytes(p);
    const bytes = sum(after) - sum(empty);
    const stored = (await p.streamState()).messages;
    const nc = await natsConnect({ servers: natsServers(p.natsUrl) });
    const streamBytes = (await (await jetstreamManager(nc)).streams.info("HR_EVENTS")).state.bytes;
    await nc.close();
    let wire = 0;
    let n = 0;
    for (const f of facts) {
      const e = (f as { event?: { kind?: string } }).event;
      if (f.fact !== "event" || e === undefined) continue;
      wire += Buffer.byteLength(JSON.stringify(e));
      n++;
    }
    // A day of the estate: its heartbeats (99 % of its events). The slice's other events are
    // mostly the start's one-offs (registry, births, first stocking, OAT register): not a rate.
    const perDay = (machines * 86_400) / p.scenario.heartbeatSeconds;
    const marginal = stored > a.events ? (bytes - a.bytes) / (stored - a.events) : null;
    // The projection takes each table's growth over the fast part, a table that shrank as 0 (a
    // table emptied at the end, such as coverage's pending events, would otherwise cancel the
    // growth of the others and make the net figure negative).
    const growth =
      stored > a.events
        ? [...after].reduce((n, [t, b]) => n + Math.max(0, b - (atA.get(t) ?? 0)), 0) / (stored - a.events)
        : null;
    // Not scaled unless one more event costs something.
    const projected =
      growth !== null && growth > 0 && perDay > stored ? (bytes + growth * (perDay - stored)) / perDay : null;
    const round = (x: number | null) => (x === null ? null : Math.round(x * 10) / 10);
    const byTable = Object.fromEntries(
      [...after]
        .map(([t, b]) => [t, b - (empty.get(t) ?? 0)] as const)
        .filter(([, b]) => b > 0)
        .sort((x, y) => y[1] - x[1]),
    );
    return {
      scenario: "estate",
      machines,
      rss: {
        realtimeSeconds: opts.realtimeSeconds,
        eventsInRealtime: a.events,
        peakMb,
        idleMb,
        peakAfterFullSpeedMb,
      },
      storage: {
        days: opts.days,
        events: stored,
        settled: settled && settledA,
        bytes,
        bytesPerEvent: round(stored > 0 ? bytes / stored : null),
        marginalBytesPerEvent: round(marginal),
        marginalGrowthBytesPerEvent: round(growth),
        projectedDayBytesPerEvent: round(projected),
        projectedEventsPerDay: Math.round(perDay),
        wireBytesPerEvent: round(n > 0 ? wire / n : 0) ?? 0,
        streamBytesPerEvent: round(stored > 0 ? streamBytes / stored : 0) ?? 0,
        byTable,
        marginalByTable: Object.fromEntries(
          stored > a.events
            ? [...after]
                .map(([t, b]) => [t, round((b - (atA.get(t) ?? 0)) / (stored - a.events)) ?? 0] as const)
                .filter(([, b]) => b !== 0)
                .sort((x, y) => y[1] - x[1])
            : [],
        ),
      },
    };
  } finally {
    await p.stop();
  }
}
