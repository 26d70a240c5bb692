import { loadOrCreateSecrets, readStack, urlsOf } from "@hrvend/infra";
import { createDb } from "@hrvend/infra/db";
import { instantFormat, type RestockPlan } from "@hrvend/reorder";
import { Command } from "commander";
import { sql } from "kysely";
import type { CliConfig } from "../config";

/** What the pipeline holds, in a few lines a person can read. */
export function summaryCommand(config: CliConfig): Command {
  return new Command("summary")
    .description(
      "print what the pipeline holds: events, rejects, active alerts, each prison's next restock plan, coverage against WHO bands",
    )
    .option("--database-url <url>", "PostgreSQL URL (default: the local stack)")
    .option(
      "--settle",
      "first wait (up to 2 minutes) until every consumer has caught up and every restock plan is fresh",
    )
    .addHelpText(
      "after",
      "\nExamples:\n  npx hrvend summary\n  npx hrvend summary --settle\n  npx hrvend summary --database-url postgres://…/hrvend",
    )
    .action(async (opts: { databaseUrl?: string; settle?: boolean }) => {
      const state = readStack(config.stateDir);
      const url =
        opts.databaseUrl ??
        (state ? urlsOf(state, loadOrCreateSecrets(config.stateDir)).postgresAdmin : undefined);
      if (!url)
        throw new Error("no local stack is running (npx hrvend infra up) and no --database-url was given");
      const db = createDb(url, { max: 1 });
      try {
        if (opts.settle) await settle(db);
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

async function settle(db: ReturnType<typeof createDb>): Promise<void> {
  const count = async () =>
    Number(
      (
        await sql<{
          n: string;
        }>`SELECT (SELECT count(*) FROM ingest.raw_event) + (SELECT count(*) FROM ingest.dead_letter) AS n`.execute(
          db,
        )
      ).rows[0]?.n,
    );
  const deadline = Date.now() + 120_000;
  let last = await count();
  let stableSince = Date.now();
  // Every service reads the same stream (or the same partition of it, `<service>-p<k>`): once
  // settled, all positions of one partition are equal, and every service has one.
  const behind = async () =>
    Number(
      (
        await sql<{ gap: string | null }>`
          WITH p AS (
            SELECT coalesce(substring(consumer FROM '-(p[0-9]+)$'), '') AS part,
                   regexp_replace(consumer, '-p[0-9]+$', '') AS service, stream_seq
            FROM ingest.stream_position WHERE stream = 'HR_EVENTS')
          SELECT max(gap) AS gap FROM (
            SELECT max(stream_seq) - min(stream_seq)
                   + (SELECT count(DISTINCT service) FROM p) - count(DISTINCT service) AS gap
            FROM p GROUP BY part) g`.execute(db)
      ).rows[0]?.gap ?? 0,
    );
  // Plans are recomputed a few seconds after the data they use (throttled): wait for them too.
  const stalePlans = async () =>
    Number(
      (
        await sql<{ n: string }>`
          SELECT count(*) AS n FROM reorder.prison p LEFT JOIN reorder.restock_plan rp USING (prison_id)
          WHERE p.time_zone IS NOT NULL AND (rp.revision IS NULL OR rp.revision <> p.revision)`
          .execute(db)
          .catch(() => ({ rows: [{ n: "0" }] }))
      ).rows[0]?.n ?? 0,
    );
  while (
    (Date.now() - stableSince < 3_000 || (await behind()) > 0 || (await stalePlans()) > 0) &&
    Date.now() < deadline
  ) {
    await new Promise((r) => setTimeout(r, 500));
    const n = await count();
    if (n !== last) {
      last = n;
      stableSince = Date.now();
      process.stderr.write(`\rwaiting for the pipeline to settle: ${n} rows`);
    }
  }
  process.stderr.write("\n");
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
  }>`
    SELECT prison_id, period_start::text AS period_start, nsp_clients, nsp_reach_pct, syringes_per_pwid_year,
           syringe_band, naloxone_per_100_prisoners, oat_reach_pct, oat_band, days_observed
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
  const n = (v: number | null, d = 0) => (v === null ? "<5/hidden" : v.toFixed(d));
  for (const r of rows.rows)
    console.log(
      `  ${r.prison_id.padEnd(12)} ${n(r.nsp_clients).padStart(11)} ${n(r.nsp_reach_pct, 1).padStart(8)} ${n(r.syringes_per_pwid_year).padStart(17)} ${(r.syringe_band ?? "-").padEnd(7)} ${n(r.naloxone_per_100_prisoners, 1).padStart(12)} ${n(r.oat_reach_pct, 1).padStart(11)} ${r.oat_band ?? "-"}`,
    );
}
