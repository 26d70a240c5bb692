import { writeFileSync } from "node:fs";
import { FUNDER_GRAINS, type FunderGrain, HIDDEN, periodsBetween } from "@hrvend/coverage";
import { readFunderData } from "@hrvend/coverage/read";
import { renderCsv, renderHtml, renderJson } from "@hrvend/coverage/report";
import { readStack, urlsOf } from "@hrvend/local-stack";
import { loadOrCreateSecrets } from "@hrvend/runtime";
import { createDb, withCredentials } from "@hrvend/runtime/db";
import { type Lang, parseLang, translator } from "@hrvend/runtime/i18n";
import { Command, Option } from "commander";
import type { CliConfig } from "../config";
import { formatOf, jsonFormatOption } from "../conventions";

const FORMATS = ["html", "csv", "json", "pdf"] as const;
type Format = (typeof FORMATS)[number];
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The largest published grain with at least one period wholly inside [from, to] (a quarter's range gives the quarter). */
export function autoGrain(from: string, to: string): FunderGrain {
  for (const g of [...FUNDER_GRAINS].reverse())
    if (periodsBetween(from, to, g).some((p) => p.start >= from && p.end <= to)) return g;
  return "quarter";
}

function checkDate(name: string, v: string, lang: Lang): string {
  if (!DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
    throw new Error(translator(lang, "cli")("errors.notADate", { flag: name, value: v }));
  return v;
}

/** Reports read by people outside the prison service: funder-facing, suppressed. */
export function reportCommand(config: CliConfig): Command {
  const t = translator(config.lang, "cli");
  const cmd = new Command("report").description(t("report.description")).addHelpText(
    "after",
    `
Examples:
  npx hrvend report coverage --from 2026-01-01 --to 2026-03-31 --format html --out q1.html`,
  );
  cmd
    .command("coverage")
    .description(t("report.coverage"))
    .requiredOption("--from <date>", t("report.from"))
    .requiredOption("--to <date>", t("report.to"))
    .option("--prison <id>", t("report.prison"))
    .addOption(
      new Option("--grain <grain>", t("report.grain")).choices(["auto", ...FUNDER_GRAINS]).default("auto"),
    )
    .addOption(new Option("--format <format>", t("report.format")).choices(FORMATS).default("html"))
    .addOption(jsonFormatOption(config.lang))
    .addOption(new Option("--lang <lang>", t("opt.lang")).default(config.lang))
    .option("--out <file>", t("opt.out"))
    .option("--database-url <url>", t("opt.databaseUrl", { role: "hrvend_funder" }))
    .addHelpText(
      "after",
      `
${t("report.help", { hidden: HIDDEN })}

Examples:
  npx hrvend report coverage --from 2026-01-01 --to 2026-03-31 --format html --out q1.html
  npx hrvend report coverage --from 2026-01-01 --to 2026-03-31 --format pdf --out q1.pdf
  npx hrvend report coverage --from 2026-01-01 --to 2026-03-31 --lang ru --format pdf --out q1-ru.pdf
  npx hrvend report coverage --from 2026-01-01 --to 2026-03-31 --grain year --format csv > year.csv
  npx hrvend report coverage --from 2026-01-01 --to 2026-12-31 --prison md-p13 --json`,
    )
    .action(
      async (opts: {
        from: string;
        to: string;
        prison?: string;
        grain: "auto" | FunderGrain;
        format: Format;
        json?: boolean;
        lang: string;
        out?: string;
        databaseUrl?: string;
      }) => {
        const lang = parseLang(opts.lang, "--lang");
        const format = formatOf(opts);
        const m = translator(lang, "cli");
        const from = checkDate("--from", opts.from, lang);
        const to = checkDate("--to", opts.to, lang);
        if (from > to) throw new Error(m("errors.fromAfterTo", { from, to }));
        if (format === "pdf" && !opts.out) throw new Error(m("errors.pdfNeedsOut"));
        const grain = opts.grain === "auto" ? autoGrain(from, to) : opts.grain;
        const url = opts.databaseUrl ?? config.databaseUrl ?? localFunderUrl(config);
        if (!url) throw new Error(m("errors.noStack"));
        const db = createDb(url, { max: 1 });
        try {
          const data = await readFunderData(db, { from, to, grain, prisonId: opts.prison }).catch(
            (e: unknown) => {
              const code = (e as { code?: string }).code;
              if (code === "42P01" || code === "3F000")
                throw new Error(m("errors.noCoverageViews"), { cause: e });
              throw e;
            },
          );
          if (opts.prison && !data.figures.some((f) => f.prisonId === opts.prison))
            throw new Error(
              m("errors.noFigures", {
                grain: translator(lang, "report")(`grain.${grain}`),
                prison: opts.prison,
                from,
                to,
                known:
                  [
                    ...new Set(
                      (await readFunderData(db, { from, to, grain })).figures
                        .map((f) => f.prisonId)
                        .filter((p) => p !== "*"),
                    ),
                  ].join(", ") || m("errors.none"),
              }),
            );
          const meta = {
            from,
            to,
            grain,
            prisonId: opts.prison,
            generatedAt: new Date().toISOString(),
            lang,
          };
          if (format === "pdf") {
            const { printPdf } = await import("../render/browser");
            await printPdf(renderHtml(data, meta), opts.out as string);
            console.error(m("wrote", { file: opts.out }));
            return;
          }
          const out =
            format === "json"
              ? renderJson(data, meta)
              : format === "csv"
                ? renderCsv(data)
                : renderHtml(data, meta);
          if (opts.out) {
            writeFileSync(opts.out, out);
            console.error(m("wrote", { file: opts.out }));
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
