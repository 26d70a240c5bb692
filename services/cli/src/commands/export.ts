import { translator } from "@hrvend/runtime/i18n";
import { Command } from "commander";
import type { CliConfig } from "../config";
import { exportDhis2Command } from "./export-dhis2";
import { exportFiguresCommand } from "./export-figures";

/** Exports for systems and people outside hrvend: DHIS2, and each audience's figures as CSV/XLSX. */
export function exportCommand(config: CliConfig): Command {
  const t = translator(config.lang, "cli");
  return new Command("export")
    .description(t("export.description"))
    .addHelpText(
      "after",
      `
${t("opt.examples")}
  npx hrvend export dhis2 --mapping infra/deploy/dhis2/mapping.example.yaml --period 2026Q1 --format adx --out q1.adx.xml
  HRVEND_DHIS2_TOKEN=d2pat_… npx hrvend export dhis2 --mapping mapping.yaml --period 2026Q1 --format json --push https://dhis2.example.org
  npx hrvend export figures --audience funder --format xlsx --from 2026-01-01 --to 2026-12-31 --out funder-2026.xlsx`,
    )
    .addCommand(exportDhis2Command(config))
    .addCommand(exportFiguresCommand(config));
}
