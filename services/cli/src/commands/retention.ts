import { readStack, urlsOf } from "@hrvend/local-stack";
import { loadOrCreateSecrets } from "@hrvend/runtime";
import { createDb } from "@hrvend/runtime/db";
import { type TFunction, translator } from "@hrvend/runtime/i18n";
import { Command, InvalidArgumentError } from "commander";
import type { Kysely } from "kysely";
import type { CliConfig } from "../config";
import { parseKeep, parseTableName } from "../retention/keep";
import { type RetentionRow, retentionPlan, runRetention, setRetention } from "../retention/store";

const instant =
  (t: TFunction) =>
  (v: string): Date => {
    const d = new Date(v);
    if (!/[zZ]|[+-]\d\d:\d\d$/.test(v) || Number.isNaN(d.getTime()))
      throw new InvalidArgumentError(t("retention.badNow"));
    return d;
  };

/** Retention of the hypertables (hrvend retention show|set|run): whole chunks older than each table's setting go. */
export function retentionCommand(config: CliConfig): Command {
  const t = translator(config.lang, "cli");
  const cmd = new Command("retention").description(t("retention.description")).addHelpText(
    "after",
    `
${t("retention.help")}

${t("opt.examples")}
  npx hrvend retention show
  npx hrvend retention set ingest.raw_event 400d
  npx hrvend retention run --dry-run
  npx hrvend retention run --json`,
  );
  const dbOption = (c: Command) => c.option("--database-url <url>", t("retention.databaseUrl"));

  dbOption(cmd.command("show").description(t("retention.show")).option("--json", t("retention.json"))).action(
    async (o: { json?: boolean; databaseUrl?: string }) =>
      withOwnerDb(config, o.databaseUrl, t, async (db) =>
        print(await retentionPlan(db, new Date()), o.json, false, t),
      ),
  );
  dbOption(
    cmd
      .command("set")
      .description(t("retention.set"))
      .argument("<table>", t("retention.table"), wrap(parseTableName))
      .argument("<keep>", t("retention.keep"), wrap(parseKeep)),
  ).action(async (table: string, keepDays: number, o: { databaseUrl?: string }) =>
    withOwnerDb(config, o.databaseUrl, t, async (db) => {
      await setRetention(db, table, keepDays);
      console.log(t("retention.wasSet", { table, days: keepDays }));
    }),
  );
  dbOption(
    cmd
      .command("run")
      .description(t("retention.run"))
      .option("--dry-run", t("retention.dryRun"))
      .option("--now <iso>", t("retention.now"), instant(t))
      .option("--json", t("retention.json")),
  ).action(async (o: { dryRun?: boolean; now?: Date; json?: boolean; databaseUrl?: string }) =>
    withOwnerDb(config, o.databaseUrl, t, async (db) => {
      const now = o.now ?? new Date();
      const rows = o.dryRun ? await retentionPlan(db, now) : await runRetention(db, now);
      print(rows, o.json, !o.dryRun, t);
    }),
  );
  return cmd;
}

const wrap =
  <T>(f: (s: string) => T) =>
  (v: string): T => {
    try {
      return f(v);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };

function print(rows: RetentionRow[], json: boolean | undefined, ran: boolean, t: TFunction): void {
  if (json) {
    console.log(JSON.stringify({ ran, tables: rows }, null, 2));
    return;
  }
  if (rows.length === 0) console.log(t("retention.none"));
  for (const r of rows) {
    const what = ran ? "retention.dropped" : "retention.wouldDrop";
    console.log(
      `${r.table}: ${t("retention.keeps", { days: r.keepDays })}, ${t("retention.cutoff", { cutoff: r.cutoff })}; ${t(what, { n: r.chunks.length })}` +
        (r.keptFrom ? `; ${t("retention.keptFrom", { from: r.keptFrom })}` : ""),
    );
    for (const c of r.chunks) console.log(`  ${c.name}  ${c.rangeStart} – ${c.rangeEnd}`);
  }
}

/** The database as its owner: only the owner of a hypertable may drop its chunks. */
async function withOwnerDb(
  config: CliConfig,
  given: string | undefined,
  t: TFunction,
  f: (db: Kysely<any>) => Promise<void>,
): Promise<void> {
  let url = given ?? config.databaseUrl;
  if (!url) {
    const state = readStack(config.stateDir);
    if (!state) throw new Error(t("errors.noStackFlag", { flag: "--database-url" }));
    url = urlsOf(state, loadOrCreateSecrets(config.stateDir)).postgresAdmin;
  }
  const db = createDb(url, { max: 1 });
  try {
    await f(db);
  } finally {
    await db.destroy();
  }
}
