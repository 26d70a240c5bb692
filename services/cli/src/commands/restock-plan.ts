import { writeFileSync } from "node:fs";
import { readStack, urlsOf } from "@hrvend/local-stack";
import { type RestockPlan, renderPlanCsv, renderPlanJson, renderPlanTable } from "@hrvend/reorder";
import { NoPlanYetError, prisonName, readPlan, UnknownPrisonError } from "@hrvend/reorder/read";
import { loadOrCreateSecrets } from "@hrvend/runtime";
import { createDb, withCredentials } from "@hrvend/runtime/db";
import { type Lang, parseLang, translator } from "@hrvend/runtime/i18n";
import { Command, Option } from "commander";
import type { CliConfig } from "../config";
import { formatOf, jsonFormatOption } from "../conventions";
import { renderVisitSheet } from "../visit-sheet/render";

const FORMATS = ["table", "csv", "json", "html", "pdf"] as const;
type Format = (typeof FORMATS)[number];

/** What to load for a prison's next outreach visit (or the visit on a given day), machine by machine. */
export function restockPlanCommand(config: CliConfig): Command {
  const t = translator(config.lang, "cli");
  return new Command("restock-plan")
    .description(t("restockPlan.description"))
    .requiredOption("--prison <id>", t("restockPlan.prison"))
    .option("--visit <date>", t("restockPlan.visit"))
    .addOption(new Option("--format <format>", t("restockPlan.format")).choices(FORMATS).default("table"))
    .addOption(jsonFormatOption(config.lang))
    .option("--pick-list", t("restockPlan.pickList"))
    .addOption(new Option("--lang <lang>", t("opt.lang")).default(config.lang))
    .option("--out <file>", t("opt.out"))
    .option("--database-url <url>", t("opt.databaseUrl", { role: "hrvend_writer" }))
    .addHelpText(
      "after",
      `
${t("restockPlan.help")}

Examples:
  npx hrvend restock-plan --prison sm-north
  npx hrvend restock-plan --prison sm-north --visit 2026-04-15 --format csv > plan.csv
  npx hrvend restock-plan --prison sm-north --format csv --pick-list
  npx hrvend restock-plan --prison md-p13 --format pdf --lang ro --out visit.pdf
  HRVEND_LANG=uk npx hrvend restock-plan --prison md-p13 --format html --out visit.html
  npx hrvend restock-plan --prison sm-north --json --database-url postgres://…/hrvend`,
    )
    .action(
      async (opts: {
        prison: string;
        visit?: string;
        format: Format;
        json?: boolean;
        pickList?: boolean;
        lang: string;
        out?: string;
        databaseUrl?: string;
      }) => {
        const lang: Lang = parseLang(opts.lang, "--lang");
        const format = formatOf(opts);
        const m = translator(lang, "cli");
        if (opts.visit !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.visit))
          throw new Error(m("errors.notADate", { flag: "--visit", value: opts.visit }));
        if (format === "pdf" && !opts.out) throw new Error(m("errors.pdfNeedsOut"));
        const url = opts.databaseUrl ?? localUrl(config);
        if (!url) throw new Error(m("errors.noStack"));
        const db = createDb(url, { max: 1 });
        try {
          const plan = await readPlan(db, opts.prison, opts.visit).catch((e: unknown) => {
            throw planError(e, lang);
          });
          let out: string;
          if (format === "html" || format === "pdf") {
            const html = renderVisitSheet({ plan, prisonName: await prisonName(db, plan.prisonId), lang });
            if (format === "pdf") {
              const { printPdf } = await import("../render/browser");
              await printPdf(html, opts.out as string);
              console.error(m("wrote", { file: opts.out }));
              return;
            }
            out = html;
          } else out = planOutput(plan, format, opts.pickList ?? false);
          if (opts.out) {
            writeFileSync(opts.out, out);
            console.error(m("wrote", { file: opts.out }));
          } else process.stdout.write(out);
        } finally {
          await db.destroy();
        }
      },
    );
}

/** The plan as text, CSV or JSON (`--json`: one document, every field, times local with offset). */
export function planOutput(plan: RestockPlan, format: "table" | "csv" | "json", pickList: boolean): string {
  if (format === "json") return renderPlanJson(plan);
  if (format === "csv") return renderPlanCsv(plan, pickList ? "pick" : "slots");
  return renderPlanTable(plan);
}

/** The reorder service's named errors, in the user's language. */
function planError(e: unknown, lang: Lang): Error {
  const m = translator(lang, "cli");
  // 42P01 undefined_table, 3F000 invalid_schema_name: migrations not applied.
  const code = (e as { code?: string }).code;
  if (code === "42P01" || code === "3F000") return new Error(m("errors.noReorderTables"), { cause: e });
  if (e instanceof UnknownPrisonError)
    return new Error(
      e.known.length === 0
        ? m("errors.unknownPrisonNone", { prison: e.prisonId })
        : m("errors.unknownPrison", { prison: e.prisonId, known: e.known.join(", ") }),
      { cause: e },
    );
  if (e instanceof NoPlanYetError)
    return new Error(m("errors.noPlanYet", { prison: e.prisonId }), { cause: e });
  return e as Error;
}

function localUrl(config: CliConfig): string | undefined {
  const state = readStack(config.stateDir);
  if (!state) return undefined;
  const secrets = loadOrCreateSecrets(config.stateDir);
  return withCredentials(urlsOf(state, secrets).postgresAdmin, "hrvend_writer", secrets.hrvend_writer);
}
