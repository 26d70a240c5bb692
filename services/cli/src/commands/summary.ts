import { loadOrCreateSecrets, readStack, urlsOf } from "@hrvend/infra";
import { createDb } from "@hrvend/infra/db";
import { Command } from "commander";
import { sql } from "kysely";
import type { CliConfig } from "../config";

/** What the pipeline holds, in a few lines a person can read. */
export function summaryCommand(config: CliConfig): Command {
  return new Command("summary")
    .description(
      "print what the local pipeline has recorded: events by kind, rejects by reason, consumer positions",
    )
    .option("--database-url <url>", "PostgreSQL URL (default: the local stack)")
    .option("--settle", "first wait (up to 2 minutes) until the recorder has caught up: no new rows for 3 s")
    .addHelpText("after", "\nExamples:\n  npx hrvend summary\n  npx hrvend summary --settle")
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
  const behind = async () =>
    Number(
      (
        await sql<{ gap: string | null }>`
          SELECT max(stream_seq) - min(stream_seq) AS gap FROM ingest.stream_position WHERE stream = 'HR_EVENTS'`.execute(
          db,
        )
      ).rows[0]?.gap ?? 0,
    );
  while ((Date.now() - stableSince < 3_000 || (await behind()) > 0) && Date.now() < deadline) {
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
