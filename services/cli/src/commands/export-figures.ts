import { writeFileSync } from "node:fs";
import { HIDDEN } from "@hrvend/coverage";
import { readStack, urlsOf } from "@hrvend/local-stack";
import { loadOrCreateSecrets } from "@hrvend/runtime";
import { AUDIENCE_ROLE, createDb, withCredentials } from "@hrvend/runtime/db";
import { translator } from "@hrvend/runtime/i18n";
import { Command, Option } from "commander";
import { sql } from "kysely";
import type { CliConfig } from "../config";
import {
  AUDIENCE_OF,
  DATASETS,
  EXPORT_AUDIENCES,
  type ExportAudience,
  ExportError,
  readDataset,
} from "../exports/datasets";
import { toCsv, toJson, toXlsx } from "../exports/render";

const DATE = /^\d{4}-\d{2}-\d{2}$/;
function checkDate(name: string, v: string): string {
  if (
    !DATE.test(v) ||
    Number.isNaN(Date.parse(`${v}T00:00:00Z`)) ||
    new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v
  )
    throw new ExportError(`${name} '${v}' is not a date YYYY-MM-DD`);
  return v;
}

interface Opts {
  audience: ExportAudience;
  format: "csv" | "xlsx";
  json?: boolean;
  from: string;
  to: string;
  out?: string;
  databaseUrl?: string;
}

export function exportFiguresCommand(config: CliConfig): Command {
  const t = translator(config.lang, "cli");
  return new Command("figures")
    .description(t("export.figures"))
    .addOption(
      new Option("--audience <audience>", t("export.audience"))
        .choices(EXPORT_AUDIENCES)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option("--format <format>", t("export.fileFormat")).choices(["csv", "xlsx"]).default("csv"),
    )
    .option("--json", t("alerts.json"))
    .requiredOption("--from <date>", t("export.from"))
    .requiredOption("--to <date>", t("export.to"))
    .option("--out <file>", t("export.outXlsx"))
    .option("--database-url <url>", t("export.databaseUrlAudience"))
    .addHelpText(
      "after",
      `
${t("export.figuresWhat")}
${EXPORT_AUDIENCES.map((a) => `  ${a.padEnd(9)} ${t(`export.audiences.${a}`, { hidden: HIDDEN })}`).join("\n")}

${t("export.figuresHelp")}

${t("opt.examples")}
  npx hrvend export figures --audience funder --format csv --from 2026-01-01 --to 2026-12-31 > funder-2026.csv
  npx hrvend export figures --audience operator --from 2026-03-01 --to 2026-03-31 --json
  npx hrvend export figures --audience outreach --format xlsx --from 2026-03-01 --to 2026-03-31 --out march.xlsx
  npx hrvend export figures --audience admin --from 2026-03-01 --to 2026-03-31 --database-url postgres://staff_north:…@db/hrvend`,
    )
    .action(async (opts: Opts) => {
      const from = checkDate("--from", opts.from);
      const to = checkDate("--to", opts.to);
      if (from > to) throw new ExportError(t("errors.fromAfterTo", { from, to }));
      if (opts.format === "xlsx" && !opts.json && !opts.out) throw new ExportError(t("export.xlsxNeedsOut"));
      const role = AUDIENCE_ROLE[AUDIENCE_OF[opts.audience]];
      const url = opts.databaseUrl ?? config.databaseUrl ?? localUrl(config, role.login);
      if (!url) throw new ExportError(t("errors.noStack"));
      const db = createDb(url, { max: 1 });
      try {
        const me = (
          await sql<{ user: string; member: boolean; superuser: boolean }>`
            SELECT current_user AS "user", pg_has_role(current_user, ${role.group}, 'MEMBER') AS member,
                   (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser`.execute(db)
        ).rows[0];
        if (!me?.member || me.superuser)
          throw new ExportError(
            `connected as '${me?.user}', which is ${me?.superuser ? "a superuser" : `not a member of ${role.group}`}: connect as the ${opts.audience} audience's role so the database enforces what it may read`,
          );
        const table = await readDataset(db, opts.audience, from, to);
        const out = opts.json
          ? toJson(table, { audience: opts.audience, from, to })
          : opts.format === "csv"
            ? toCsv(table)
            : await toXlsx(table, [
                ["audience", opts.audience],
                ["database role", me.user],
                ["from", from],
                ["to", to],
                ["what", DATASETS[opts.audience].describe],
                ["generated at", new Date().toISOString()],
              ]);
        if (opts.out) {
          writeFileSync(opts.out, out);
          console.error(
            t("export.wroteRows", {
              file: opts.out,
              rows: table.rows.length,
              table: table.name,
              role: me.user,
            }),
          );
        } else process.stdout.write(out);
      } finally {
        await db.destroy();
      }
    });
}

function localUrl(
  config: CliConfig,
  login: keyof ReturnType<typeof loadOrCreateSecrets> & string,
): string | undefined {
  const state = readStack(config.stateDir);
  if (!state) return undefined;
  const secrets = loadOrCreateSecrets(config.stateDir);
  return withCredentials(urlsOf(state, secrets).postgresAdmin, login, secrets[login] as string);
}
