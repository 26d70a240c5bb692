import { readStack, urlsOf } from "@hrvend/local-stack";
import { loadOrCreateSecrets } from "@hrvend/runtime";
import {
  createDb,
  listParked,
  type ParkedRow,
  requestRetry,
  showParked,
  withCredentials,
} from "@hrvend/runtime/db";
import { type TFunction, translator } from "@hrvend/runtime/i18n";
import { Command, InvalidArgumentError } from "commander";
import type { Kysely } from "kysely";
import type { CliConfig } from "../config";

const positiveInt =
  (t: TFunction) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(t("parked.positiveInt"));
    return n;
  };

/** Parked messages: list, show, retry (hrvend parked …). */
export function parkedCommand(config: CliConfig): Command {
  const t = translator(config.lang, "cli");
  const cmd = new Command("parked").description(t("parked.description")).addHelpText(
    "after",
    `
${t("parked.help")}

${t("opt.examples")}
  npx hrvend parked list
  npx hrvend parked list --consumer stock --all --json
  npx hrvend parked show 12
  npx hrvend parked retry 12
  npx hrvend parked retry --all --consumer recorder`,
  );

  cmd
    .command("list")
    .description(t("parked.list"))
    .option("--consumer <name>", t("parked.consumer"))
    .option("--all", t("parked.all"))
    .option("--limit <n>", t("parked.limit"), positiveInt(t), 100)
    .option("--json", t("parked.json"))
    .option("--database-url <url>", t("opt.databaseUrl", { role: "hrvend_writer" }))
    .addHelpText(
      "after",
      `\n${t("opt.examples")}\n  npx hrvend parked list\n  npx hrvend parked list --consumer coverage --all --json`,
    )
    .action(
      async (o: {
        consumer?: string;
        all?: boolean;
        limit: number;
        json?: boolean;
        databaseUrl?: string;
      }) => {
        await withDb(config, o.databaseUrl, t, async (db) => {
          const rows = await listParked(db, { consumer: o.consumer, all: o.all, limit: o.limit });
          if (o.json) return console.log(JSON.stringify(rows, null, 2));
          if (rows.length === 0) return console.log(t(o.all ? "parked.none" : "parked.noneOpen"));
          for (const r of rows) console.log(line(r, t));
        });
      },
    );

  cmd
    .command("show")
    .description(t("parked.show"))
    .argument("<id>", t("parked.id"), positiveInt(t))
    .option("--json", t("parked.showJson"))
    .option("--database-url <url>", t("opt.databaseUrl", { role: "hrvend_writer" }))
    .addHelpText(
      "after",
      `\n${t("opt.examples")}\n  npx hrvend parked show 12\n  npx hrvend parked show 12 --json`,
    )
    .action(async (id: number, o: { json?: boolean; databaseUrl?: string }) => {
      await withDb(config, o.databaseUrl, t, async (db) => {
        const p = await showParked(db, id);
        if (!p) throw new Error(t("parked.noSuch", { id }));
        const { data, ...rest } = p;
        if (o.json)
          return console.log(
            JSON.stringify(
              { ...rest, dataBase64: data.toString("base64"), dataText: data.toString("utf8") },
              null,
              2,
            ),
          );
        console.log(line(p, t));
        console.log(`  ${t("parked.subject")} ${p.subject}`);
        console.log(`  ${t("parked.eventKey")} ${p.eventKey ?? t("parked.noKey")}`);
        console.log(`  ${t("parked.tries", { tries: p.tries, retries: p.retries })}`);
        if (p.lastRetryError) console.log(`  ${t("parked.lastRetryFailed", { error: p.lastRetryError })}`);
        // Escaped, so a NUL or a control character shows as what it is instead of acting on the terminal.
        console.log(`  ${t("parked.data", { bytes: p.bytes })} ${JSON.stringify(data.toString("utf8"))}`);
      });
    });

  cmd
    .command("retry")
    .description(t("parked.retry"))
    .argument("[id]", t("parked.retryId"), positiveInt(t))
    .option("--all", t("parked.retryAll"))
    .option("--consumer <name>", t("parked.retryConsumer"))
    .option("--wait <seconds>", t("parked.wait"), positiveIntOrZero(t), 30)
    .option("--json", t("parked.retryJson"))
    .option("--database-url <url>", t("opt.databaseUrl", { role: "hrvend_writer" }))
    .addHelpText(
      "after",
      `
${t("parked.retryHelp")}

${t("opt.examples")}
  npx hrvend parked retry 12
  npx hrvend parked retry --all --consumer recorder
  npx hrvend parked retry --all --wait 0`,
    )
    .action(
      async (
        id: number | undefined,
        o: { all?: boolean; consumer?: string; wait: number; json?: boolean; databaseUrl?: string },
      ) => {
        if ((id === undefined) === !o.all) throw new Error(t("parked.idOrAll"));
        if (o.consumer && !o.all) throw new Error(t("parked.consumerWithAll"));
        await withDb(config, o.databaseUrl, t, async (db) => {
          const asked = await requestRetry(
            db,
            id === undefined ? { all: true, consumer: o.consumer } : { id },
          );
          if (id !== undefined && asked.length === 0) {
            const p = await showParked(db, id);
            throw new Error(p ? t("parked.alreadyResolved", { id }) : t("parked.noSuchOpen", { id }));
          }
          const outcome = await waitForOutcome(db, asked, o.wait);
          // 2: a message failed again (it stays parked); 3: a consumer did not take one in time.
          if (outcome.some((r) => r.outcome === "failed")) process.exitCode = 2;
          else if (outcome.some((r) => r.outcome === "pending")) process.exitCode = 3;
          if (o.json) return console.log(JSON.stringify(outcome, null, 2));
          if (asked.length === 0) return console.log(t("parked.noneToRetry"));
          for (const r of outcome) {
            const what =
              r.outcome === "resolved"
                ? t("parked.resolved")
                : r.outcome === "failed"
                  ? t("parked.failedAgain", { error: r.error })
                  : t("parked.pending");
            console.log(`${String(r.id).padStart(6)}  ${r.consumer.padEnd(16)} ${what}`);
          }
        });
      },
    );
  return cmd;
}

const positiveIntOrZero =
  (t: TFunction) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(t("parked.wholeNumber"));
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

function line(r: ParkedRow, t: TFunction): string {
  const state = r.resolvedAt
    ? t("parked.stateResolved", { at: r.resolvedAt.toISOString() })
    : t("parked.stateOpen");
  return `${String(r.id).padStart(6)}  ${r.parkedAt.toISOString()}  ${r.consumer.padEnd(16)} ${r.stream}#${r.streamSeq}  ${r.verdict.padEnd(9)} ${r.errorClass} ${r.errorCode}: ${r.errorMessage}  [${state}]`;
}

async function withDb(
  config: CliConfig,
  given: string | undefined,
  t: TFunction,
  f: (db: Kysely<any>) => Promise<void>,
) {
  let url = given;
  if (!url) {
    const state = readStack(config.stateDir);
    if (!state) throw new Error(t("errors.noStack"));
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
