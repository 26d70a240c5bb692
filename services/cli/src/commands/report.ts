import { writeFileSync } from "node:fs";
import { FUNDER_GRAINS, type FunderGrain, HIDDEN, periodsBetween } from "@hrvend/coverage";
import { renderCsv, renderHtml, renderJson } from "@hrvend/coverage/report";
import { readFunderData } from "@hrvend/coverage/store";
import { loadOrCreateSecrets, readStack, urlsOf } from "@hrvend/infra";
import { createDb, withCredentials } from "@hrvend/infra/db";
import { Command, Option } from "commander";
import type { CliConfig } from "../config";

const FORMATS = ["html", "csv", "json", "pdf"] as const;
type Format = (typeof FORMATS)[number];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The largest published grain with at least one period wholly inside [from, to] (a quarter's range gives the quarter). */
export function autoGrain(from: string, to: string): FunderGrain {
  for (const g of [...FUNDER_GRAINS].reverse())
    if (periodsBetween(from, to, g).some((p) => p.start >= from && p.end <= to)) return g;
  return "quarter";
}

function checkDate(name: string, v: string): string {
  if (!DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
    throw new Error(`${name} '${v}' is not a date YYYY-MM-DD`);
  return v;
}

/** Reports read by people outside the prison service: funder-facing, suppressed. */
export function reportCommand(config: CliConfig): Command {
  const cmd = new Command("report").description("reports for funders and programme managers").addHelpText(
    "after",
    `
Examples:
  npx hrvend report coverage --from 2026-01-01 --to 2026-03-31 --format html --out q1.html`,
  );
  cmd
    .command("coverage")
    .description("NSP, naloxone and OAT coverage per prison against WHO bands, small numbers suppressed")
    .requiredOption("--from <date>", "first local date of the range (YYYY-MM-DD)")
    .requiredOption("--to <date>", "last local date of the range (YYYY-MM-DD)")
    .option("--prison <id>", "one prison (the programme total is shown with it)")
    .addOption(
      new Option(
        "--grain <grain>",
        "quarter or year (what funders get); auto: the largest period wholly inside the range",
      )
        .choices(["auto", ...FUNDER_GRAINS])
        .default("auto"),
    )
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("html"))
    .option("--out <file>", "write to a file (required for pdf; default: standard output)")
    .option("--database-url <url>", "PostgreSQL URL (default: the local stack, as the hrvend_funder role)")
    .addHelpText(
      "after",
      `
Figures come from the funder views only (quarters and years): counts 1–4 (below the configured
threshold) are hidden, with complementary cells chosen by an optimiser so that no total,
difference or rate narrows them; every hidden value reads "${HIDDEN}", an undefined rate "–". Periods are the
prisons' local calendar periods that lie wholly within --from … --to. The HTML is print-ready
(A4 landscape): per-prison table, charts against the WHO bands, definitions and sources, the
suppression legend and the prevalence estimates used. --format pdf prints that HTML with
Debian's Chromium (/usr/bin/chromium, or HRVEND_CHROMIUM).

Examples:
  npx hrvend report coverage --from 2026-01-01 --to 2026-03-31 --format html --out q1.html
  npx hrvend report coverage --from 2026-01-01 --to 2026-03-31 --format pdf --out q1.pdf
  npx hrvend report coverage --from 2026-01-01 --to 2026-03-31 --grain year --format csv > year.csv
  npx hrvend report coverage --from 2026-01-01 --to 2026-12-31 --prison md-p13 --format json`,
    )
    .action(
      async (opts: {
        from: string;
        to: string;
        prison?: string;
        grain: "auto" | FunderGrain;
        format: Format;
        out?: string;
        databaseUrl?: string;
      }) => {
        const from = checkDate("--from", opts.from);
        const to = checkDate("--to", opts.to);
        if (from > to) throw new Error(`--from ${from} is after --to ${to}`);
        if (opts.format === "pdf" && !opts.out) throw new Error("--format pdf needs --out <file.pdf>");
        const grain = opts.grain === "auto" ? autoGrain(from, to) : opts.grain;
        const url = opts.databaseUrl ?? localFunderUrl(config);
        if (!url)
          throw new Error("no local stack is running (npx hrvend infra up) and no --database-url was given");
        const db = createDb(url, { max: 1 });
        try {
          const data = await readFunderData(db, { from, to, grain, prisonId: opts.prison }).catch(
            (e: unknown) => {
              const code = (e as { code?: string }).code;
              if (code === "42P01" || code === "3F000")
                throw new Error("this database has no coverage views yet: run npx hrvend db migrate", {
                  cause: e,
                });
              throw e;
            },
          );
          if (opts.prison && !data.figures.some((f) => f.prisonId === opts.prison))
            throw new Error(
              `no ${grain} figures for prison '${opts.prison}' between ${from} and ${to}; prisons with figures: ${
                [
                  ...new Set(
                    (await readFunderData(db, { from, to, grain })).figures
                      .map((f) => f.prisonId)
                      .filter((p) => p !== "*"),
                  ),
                ].join(", ") || "none"
              }`,
            );
          const meta = { from, to, grain, prisonId: opts.prison, generatedAt: new Date().toISOString() };
          if (opts.format === "pdf") {
            const { printPdf } = await import("@hrvend/infra/browser");
            await printPdf(renderHtml(data, meta), opts.out as string);
            console.error(`wrote ${opts.out}`);
            return;
          }
          const out =
            opts.format === "json"
              ? renderJson(data, meta)
              : opts.format === "csv"
                ? renderCsv(data)
                : renderHtml(data, meta);
          if (opts.out) {
            writeFileSync(opts.out, out);
            console.error(`wrote ${opts.out}`);
          } else process.stdout.write(out);
        } finally {
          await db.destroy();
        }
      },
    );
  return cmd;
}

function localFunderUrl(config: CliConfig): string | undefined {
  const state = readStack(config.stateDir);
  if (!state) return undefined;
  const secrets = loadOrCreateSecrets(config.stateDir);
  return withCredentials(urlsOf(state, secrets).postgresAdmin, "hrvend_funder", secrets.hrvend_funder);
}
