import { HIDDEN, UNDEFINED } from "@hrvend/coverage";
import { loadOrCreateSecrets, readStack, urlsOf } from "@hrvend/infra";
import { createDb, parkedCounts } from "@hrvend/infra/db";
import { natsServers } from "@hrvend/infra/nats";
import { instantFormat, type RestockPlan } from "@hrvend/reorder";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { Command } from "commander";
import { sql } from "kysely";
import type { CliConfig } from "../config";
import { expectedConsumers, SETTLE_STREAMS } from "../settle/expected";
import { settleProbe } from "../settle/probe";
import { settleProgress } from "../settle/progress";
import { checkStreams, type ExpectedConsumer, laggards, waitUntilSettled } from "../settle/settle";
import { CLUSTER_PARTITIONS } from "./services";

/** What the pipeline holds, in a few lines a person can read. */
export function summaryCommand(config: CliConfig): Command {
  return new Command("summary")
    .description(
      "print what the pipeline holds: events, rejects, active alerts, each prison's next restock plan, coverage against WHO bands",
    )
    .option("--database-url <url>", "PostgreSQL URL (default: the local stack)")
    .option(
      "--nats-url <url>",
      "NATS URL or comma-separated list, where the consumers' positions are read (default: the local stack)",
    )
    .option(
      "--partitions <n>",
      "the services' PARTITIONS: every consumer <service>-p<k> for k < n is expected (default: the local stack's, 0 on a single node)",
    )
    .option(
      "--settle",
      "first wait until every expected consumer (recorder, stock, reorder, coverage; the recorder's and stock's dead-letter consumers) exists and has reached the stream's head, stock holds nothing behind a seq gap, restock plans and the funder publication are fresh, and the streams stopped growing; a line per consumer shows its lag. Without it the consumers are checked once and a NOT SETTLED header says what is behind",
    )
    .option(
      "--timeout <seconds>",
      "with --settle: give up after this long, say what is behind, print no figure and exit 1",
      "900",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  npx hrvend summary\n  npx hrvend summary --settle\n  npx hrvend summary --settle --timeout 60\n  npx hrvend summary --database-url postgres://…/hrvend --nats-url nats://…:4222",
    )
    .action(async (opts: SummaryOptions) => {
      const state = readStack(config.stateDir);
      const urls = state ? urlsOf(state, loadOrCreateSecrets(config.stateDir)) : undefined;
      const url = opts.databaseUrl ?? urls?.postgresAdmin;
      if (!url)
        throw new Error("no local stack is running (npx hrvend infra up) and no --database-url was given");
      const timeoutS = Number(opts.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0)
        throw new Error(`--timeout must be a number of seconds above 0, got '${opts.timeout}'`);
      const partitions =
        opts.partitions === undefined ? (state?.cluster ? CLUSTER_PARTITIONS : 0) : Number(opts.partitions);
      if (!Number.isInteger(partitions) || partitions < 0)
        throw new Error(`--partitions must be a whole number ≥ 0, got '${opts.partitions}'`);
      const expected = expectedConsumers(partitions);
      const natsUrl = opts.natsUrl ?? urls?.nats;
      if (opts.settle && !natsUrl)
        throw new Error("--settle reads the consumers from NATS: give --nats-url or start the local stack");
      const db = createDb(url, { max: 1 });
      try {
        // Invariant 7: nothing below is printed as current unless every consumer has caught up, or
        // it says it has not (a header before any figure).
        if (opts.settle) await settle(db, natsUrl as string, timeoutS * 1000, expected);
        else console.log(await settledHeader(db, natsUrl, expected));
        const kinds = await sql<{ kind: string; n: string; first: Date; last: Date }>`
          SELECT kind, count(*) AS n, min(event_time) AS first, max(event_time) AS last
          FROM ingest.raw_event GROUP BY kind ORDER BY count(*) DESC`.execute(db);
        const total = kinds.rows.reduce((n, r) => n + Number(r.n), 0);
        console.log(`events recorded: ${total}`);
        for (const r of kinds.rows) console.log(`  ${r.kind.padEnd(18)} ${r.n.padStart(9)}`);
        if (kinds.rows.length > 0) {
          const first = new Date(Math.min(...kinds.rows.map((r) => r.first.getTime())));
          const last = new Date(Math.max(...kinds.rows.map((r) => r.last.getTime())));
          console.log(`  device time from ${first.toISOString()} to ${last.toISOString()}`);
        }
        const dead = await sql<{ reason: string; n: string; example: string }>`
          SELECT reason, count(*) AS n, min(message) AS example FROM ingest.dead_letter GROUP BY reason ORDER BY 2 DESC`.execute(
          db,
        );
        console.log(`rejected (dead letters): ${dead.rows.reduce((n, r) => n + Number(r.n), 0)}`);
        for (const r of dead.rows)
          console.log(`  ${r.reason.padEnd(18)} ${r.n.padStart(9)}  e.g. ${r.example.slice(0, 90)}`);
        // Invariant 6: what a consumer could not apply and parked (ops.parked_message).
        const parked = await parkedCounts(db).catch(() => []);
        const open = parked.reduce((n, p) => n + p.open, 0);
        console.log(`parked messages: ${open}${open > 0 ? " (npx hrvend parked list)" : ""}`);
        for (const p of parked)
          console.log(
            `  ${p.consumer.padEnd(18)} ${String(p.open).padStart(9)}  oldest ${p.oldest.toISOString()}`,
          );
        const alerts = await sql<{ type: string; n: string }>`
          SELECT type, count(*) AS n FROM reporting.alert WHERE active GROUP BY type ORDER BY 2 DESC`
          .execute(db)
          .catch(() => ({ rows: [] }));
        console.log(`active alerts: ${alerts.rows.reduce((n, r) => n + Number(r.n), 0)}`);
        for (const r of alerts.rows) console.log(`  ${r.type.padEnd(18)} ${r.n.padStart(9)}`);
        const oldest = await sql<{ machine_id: string; type: string; raised_at: Date; detail: string }>`
          SELECT machine_id, type, raised_at, detail FROM reporting.alert WHERE active ORDER BY raised_at LIMIT 5`
          .execute(db)
          .catch(() => ({ rows: [] }));
        for (const a of oldest.rows)
          console.log(`    since ${a.raised_at.toISOString()}  ${a.machine_id}: ${a.detail.slice(0, 70)}`);
        await printPlans(db);
        await printCoverage(db);
        const pos = await sql<{ consumer: string; stream: string; stream_seq: string; updated_at: Date }>`
          SELECT consumer, stream, stream_seq, updated_at FROM ingest.stream_position ORDER BY consumer`.execute(
          db,
        );
        console.log("consumer positions:");
        for (const p of pos.rows)
          console.log(
            `  ${p.consumer.padEnd(18)} ${p.stream} @ ${p.stream_seq} (${p.updated_at.toISOString()})`,
          );
      } finally {
        await db.destroy();
      }
    });
}

interface SummaryOptions {
  databaseUrl?: string;
  natsUrl?: string;
  partitions?: string;
  settle?: boolean;
  timeout: string;
}

const STREAMS = [SETTLE_STREAMS.events, SETTLE_STREAMS.dead, SETTLE_STREAMS.alerts].filter(
  (s): s is string => s !== undefined,
);
const REQUIRED_STREAMS = [SETTLE_STREAMS.events, SETTLE_STREAMS.dead];

/**
 * Without --settle: one look at the consumers, as the header of what follows. A required stream
 * the server does not have is an error (nothing printed); a server that cannot be reached, or no
 * NATS URL at all, is said plainly, since the figures below are then of unknown freshness.
 */
async function settledHeader(
  db: ReturnType<typeof createDb>,
  natsUrl: string | undefined,
  expected: readonly ExpectedConsumer[],
): Promise<string> {
  const stale = "the figures below may be stale (npx hrvend summary --settle waits until they are not)";
  if (!natsUrl)
    return `NOT CHECKED: no NATS URL (--nats-url, or the local stack) to read the consumers' positions from; ${stale}`;
  const nc = await connect({ servers: natsServers(natsUrl), name: "hrvend-summary", timeout: 5_000 }).catch(
    (e: unknown) => e as Error,
  );
  if (nc instanceof Error)
    return `NOT CHECKED: NATS at ${natsUrl} could not be reached (${nc.message}); ${stale}`;
  try {
    const s = await settleProbe(await jetstreamManager(nc), db, STREAMS)();
    checkStreams(s, REQUIRED_STREAMS);
    const behind = laggards(s, expected);
    return behind.length > 0
      ? `NOT SETTLED: ${behind.join("; ")}\n  ${stale}`
      : `settled: every expected consumer (${expected.length}) is at its stream's head`;
  } finally {
    await nc.close();
  }
}

/**
 * Waits until every expected durable consumer exists and has reached the head of the events,
 * dead-letter and alerts streams (see settle/settle.ts), showing each one's lag on stderr; throws
 * SettleTimeoutError (nothing printed after it) when the deadline passes, SettleStreamMissingError
 * at once when a required stream is not on the server.
 */
async function settle(
  db: ReturnType<typeof createDb>,
  natsUrl: string,
  timeoutMs: number,
  expected: readonly ExpectedConsumer[],
): Promise<void> {
  const nc = await connect({ servers: natsServers(natsUrl), name: "hrvend-summary" });
  const progress = settleProgress(process.stderr, expected);
  try {
    const jsm = await jetstreamManager(nc);
    await waitUntilSettled({
      probe: settleProbe(jsm, db, STREAMS),
      expected,
      requiredStreams: REQUIRED_STREAMS,
      now: () => Date.now(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      timeoutMs,
      onProgress: (s, waited) => progress.show(s, waited),
    });
    process.stderr.write("every consumer has reached the stream's head\n");
  } finally {
    progress.done();
    await nc.close();
  }
}

/** Each prison's next outreach visit: when, which machine first, what to load. */
async function printPlans(db: ReturnType<typeof createDb>): Promise<void> {
  const plans = await sql<{ prison_id: string; plan: RestockPlan }>`
    SELECT prison_id, plan FROM reorder.restock_plan ORDER BY prison_id`
    .execute(db)
    .catch(() => ({ rows: [] as { prison_id: string; plan: RestockPlan }[] }));
  console.log(
    `next restock visits: ${plans.rows.length} prisons (npx hrvend restock-plan --prison <id> for the details)`,
  );
  for (const { prison_id, plan } of plans.rows) {
    const local = instantFormat(plan.timeZone, "short");
    const first = plan.machines[0];
    const out = first?.projectedStockoutAt
      ? `, ${first.stockoutItemId} out ${local(first.projectedStockoutAt)}`
      : "";
    const pick = plan.pickList.map((l) => `${l.itemId} ${l.totalUnits}`).join(", ");
    console.log(
      `  ${prison_id.padEnd(12)} ${local(plan.visitAt)}  first ${first?.machineId ?? "-"}${out}; load ${pick || "nothing"}`,
    );
  }
}

/** The quarter with the most observed days (the latest on a tie): coverage per prison, as funders see it (suppressed), with WHO bands. */
async function printCoverage(db: ReturnType<typeof createDb>): Promise<void> {
  const rows = await sql<{
    prison_id: string;
    period_start: string;
    nsp_clients: number | null;
    nsp_reach_pct: number | null;
    syringes_per_pwid_year: number | null;
    syringe_band: string | null;
    naloxone_per_100_prisoners: number | null;
    oat_reach_pct: number | null;
    oat_band: string | null;
    days_observed: number;
    suppressed: string[];
  }>`
    SELECT prison_id, period_start::text AS period_start, nsp_clients, nsp_reach_pct, syringes_per_pwid_year,
           syringe_band, naloxone_per_100_prisoners, oat_reach_pct, oat_band, days_observed, suppressed
    FROM funder.coverage
    WHERE grain = 'quarter' AND period_start = (
      SELECT period_start FROM funder.coverage WHERE grain = 'quarter' AND prison_id = '*'
      ORDER BY days_observed DESC, period_start DESC LIMIT 1)
    ORDER BY prison_id = '*', prison_id`
    .execute(db)
    .catch(() => ({ rows: [] }));
  if (rows.rows.length === 0) return console.log("coverage: no figures yet");
  const q = rows.rows[0];
  console.log(
    `coverage, quarter from ${q?.period_start}, ${q?.days_observed} days observed (suppressed as funders see it; * = programme):`,
  );
  console.log(
    `  ${"prison".padEnd(12)} ${"NSP clients".padStart(11)} ${"reach %".padStart(8)} ${"syringes/PWID/yr".padStart(17)} band    ${"naloxone/100".padStart(12)} ${"OAT reach %".padStart(11)} band`,
  );
  // One symbol for a hidden value (HIDDEN), another for an undefined one (UNDEFINED).
  for (const r of rows.rows) {
    const n = (c: keyof typeof r & string, camel: string, d = 0) => {
      const v = r[c] as number | string | null;
      return r.suppressed.includes(camel)
        ? HIDDEN
        : v === null
          ? UNDEFINED
          : typeof v === "number"
            ? v.toFixed(d)
            : v;
    };
    console.log(
      `  ${r.prison_id.padEnd(12)} ${n("nsp_clients", "nspClients").padStart(11)} ${n("nsp_reach_pct", "nspReachPct", 1).padStart(8)} ${n("syringes_per_pwid_year", "syringesPerPwidYear").padStart(17)} ${n("syringe_band", "syringeBand").padEnd(7)} ${n("naloxone_per_100_prisoners", "naloxonePer100Prisoners", 1).padStart(12)} ${n("oat_reach_pct", "oatReachPct", 1).padStart(11)} ${n("oat_band", "oatBand")}`,
    );
  }
}
