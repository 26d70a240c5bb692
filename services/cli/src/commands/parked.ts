import { loadOrCreateSecrets, readStack, urlsOf } from "@hrvend/infra";
import {
  createDb,
  listParked,
  type ParkedRow,
  requestRetry,
  showParked,
  withCredentials,
} from "@hrvend/infra/db";
import { translator } from "@hrvend/infra/i18n";
import { Command, InvalidArgumentError } from "commander";
import type { Kysely } from "kysely";
import type { CliConfig } from "../config";

const HELP = `
A consumer (recorder, its dead letters, stock, reorder, coverage) parks a message it cannot
apply (a value PostgreSQL refuses, a message that does not decode, one that failed every try)
and moves on, so nothing behind it waits. Parked messages keep the consumer, the stream
position, the subject, the event key, the error (without payload bytes) and the raw data.
Once the cause is fixed, \`retry\` asks the consumer that parked the message to apply it again
through its own write path (idempotent on the event key) and marks it resolved; the service
must be running.`;

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a positive whole number");
  return n;
};

/** Parked messages: list, show, retry (hrvend parked …). */
export function parkedCommand(config: CliConfig): Command {
  const cmd = new Command("parked")
    .description(translator(config.lang, "cli")("parked.description"))
    .addHelpText(
      "after",
      `${HELP}

Examples:
  npx hrvend parked list
  npx hrvend parked list --consumer stock --all --json
  npx hrvend parked show 12
  npx hrvend parked retry 12
  npx hrvend parked retry --all --consumer recorder`,
    );

  cmd
    .command("list")
    .description("open parked messages, newest first (--all: resolved ones too)")
    .option("--consumer <name>", "one consumer's (e.g. recorder, recorder-dead, stock, stock-p3)")
    .option("--all", "include resolved messages")
    .option("--limit <n>", "at most this many", positiveInt, 100)
    .option("--json", "one JSON document instead of a table")
    .option("--database-url <url>", "PostgreSQL URL (default: the local stack, as hrvend_writer)")
    .addHelpText(
      "after",
      "\nExamples:\n  npx hrvend parked list\n  npx hrvend parked list --consumer coverage --all --json",
    )
    .action(
      async (o: {
        consumer?: string;
        all?: boolean;
        limit: number;
        json?: boolean;
        databaseUrl?: string;
      }) => {
        await withDb(config, o.databaseUrl, async (db) => {
          const rows = await listParked(db, { consumer: o.consumer, all: o.all, limit: o.limit });
          if (o.json) return console.log(JSON.stringify(rows, null, 2));
          if (rows.length === 0) return console.log(o.all ? "no parked messages" : "no open parked messages");
          for (const r of rows) console.log(line(r));
        });
      },
    );

  cmd
    .command("show")
    .description("one parked message with its raw data (operators only: it may hold a card token)")
    .argument("<id>", "the parked message's id (from list)", positiveInt)
    .option("--json", "one JSON document (data as base64 and as text)")
    .option("--database-url <url>", "PostgreSQL URL (default: the local stack, as hrvend_writer)")
    .addHelpText("after", "\nExamples:\n  npx hrvend parked show 12\n  npx hrvend parked show 12 --json")
    .action(async (id: number, o: { json?: boolean; databaseUrl?: string }) => {
      await withDb(config, o.databaseUrl, async (db) => {
        const p = await showParked(db, id);
        if (!p) throw new Error(`no parked message ${id} (npx hrvend parked list --all)`);
        const { data, ...rest } = p;
        if (o.json)
          return console.log(
            JSON.stringify(
              { ...rest, dataBase64: data.toString("base64"), dataText: data.toString("utf8") },
              null,
              2,
            ),
          );
        console.log(line(p));
        console.log(`  subject   ${p.subject}`);
        console.log(`  event key ${p.eventKey ?? "(none)"}`);
        console.log(`  tries     ${p.tries}; retries ${p.retries}`);
        if (p.lastRetryError) console.log(`  last retry failed: ${p.lastRetryError}`);
        // Escaped, so a NUL or a control character shows as what it is instead of acting on the terminal.
        console.log(`  data (${p.bytes} bytes) ${JSON.stringify(data.toString("utf8"))}`);
      });
    });

  cmd
    .command("retry")
    .description(
      "re-apply parked messages through their consumer once the cause is fixed, and mark them resolved",
    )
    .argument("[id]", "the parked message's id", positiveInt)
    .option("--all", "every open parked message (of --consumer, if given)")
    .option("--consumer <name>", "with --all: only this consumer's")
    .option("--wait <seconds>", "wait this long for the consumers (0: only ask)", positiveIntOrZero, 30)
    .option("--json", "one JSON document with each message's outcome")
    .option("--database-url <url>", "PostgreSQL URL (default: the local stack, as hrvend_writer)")
    .addHelpText(
      "after",
      `
The consumer that parked a message applies it again between its batches (within a few seconds)
with its stream position unmoved. A message that fails again stays parked with the new error.
Exit status: 0 every message resolved, 2 one failed again, 3 a consumer did not take one within
--wait (is the service running?).

Examples:
  npx hrvend parked retry 12
  npx hrvend parked retry --all --consumer recorder
  npx hrvend parked retry --all --wait 0`,
    )
    .action(
      async (
        id: number | undefined,
        o: { all?: boolean; consumer?: string; wait: number; json?: boolean; databaseUrl?: string },
      ) => {
        if ((id === undefined) === !o.all) throw new Error("give one id, or --all (see --help)");
        if (o.consumer && !o.all) throw new Error("--consumer goes with --all");
        await withDb(config, o.databaseUrl, async (db) => {
          const asked = await requestRetry(
            db,
            id === undefined ? { all: true, consumer: o.consumer } : { id },
          );
          if (id !== undefined && asked.length === 0) {
            const p = await showParked(db, id);
            throw new Error(
              p
                ? `parked message ${id} is already resolved`
                : `no parked message ${id} (npx hrvend parked list)`,
            );
          }
          const outcome = await waitForOutcome(db, asked, o.wait);
          // 2: a message failed again (it stays parked); 3: a consumer did not take one in time.
          if (outcome.some((r) => r.outcome === "failed")) process.exitCode = 2;
          else if (outcome.some((r) => r.outcome === "pending")) process.exitCode = 3;
          if (o.json) return console.log(JSON.stringify(outcome, null, 2));
          if (asked.length === 0) return console.log("no open parked messages to retry");
          for (const r of outcome) {
            const what =
              r.outcome === "resolved"
                ? "re-applied, resolved"
                : r.outcome === "failed"
                  ? `failed again: ${r.error}`
                  : "asked; its consumer has not taken it yet (is the service running?)";
            console.log(`${String(r.id).padStart(6)}  ${r.consumer.padEnd(16)} ${what}`);
          }
        });
      },
    );
  return cmd;
}

const positiveIntOrZero = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be a whole number ≥ 0");
  return n;
};

interface Outcome {
  id: number;
  consumer: string;
  outcome: "resolved" | "failed" | "pending";
  error?: string;
}

/** Polls until every asked message is resolved or failed again (its request cleared), or time is up. */
async function waitForOutcome(db: Kysely<any>, ids: number[], waitSeconds: number): Promise<Outcome[]> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    const rows = (await Promise.all(ids.map((id) => showParked(db, id)))).filter(
      (r): r is NonNullable<typeof r> => r !== undefined,
    );
    const outcome: Outcome[] = rows.map((r) =>
      r.resolvedAt
        ? { id: r.id, consumer: r.consumer, outcome: "resolved" }
        : r.retryRequestedAt === null
          ? { id: r.id, consumer: r.consumer, outcome: "failed", error: r.lastRetryError ?? "" }
          : { id: r.id, consumer: r.consumer, outcome: "pending" },
    );
    if (outcome.every((r) => r.outcome !== "pending") || Date.now() >= deadline) return outcome;
    await new Promise((r) => setTimeout(r, 250));
  }
}

function line(r: ParkedRow): string {
  const state = r.resolvedAt ? `resolved ${r.resolvedAt.toISOString()}` : "OPEN";
  return `${String(r.id).padStart(6)}  ${r.parkedAt.toISOString()}  ${r.consumer.padEnd(16)} ${r.stream}#${r.streamSeq}  ${r.verdict.padEnd(9)} ${r.errorClass} ${r.errorCode}: ${r.errorMessage}  [${state}]`;
}

async function withDb(config: CliConfig, given: string | undefined, f: (db: Kysely<any>) => Promise<void>) {
  let url = given;
  if (!url) {
    const state = readStack(config.stateDir);
    if (!state)
      throw new Error("no local stack is running (npx hrvend infra up) and no --database-url was given");
    const secrets = loadOrCreateSecrets(config.stateDir);
    url = withCredentials(urlsOf(state, secrets).postgresAdmin, "hrvend_writer", secrets.hrvend_writer);
  }
  const db = createDb(url, { max: 1 });
  try {
    await f(db);
  } finally {
    await db.destroy();
  }
}
