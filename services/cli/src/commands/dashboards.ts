import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { withConnection } from "@hrvend/dashboards";
import { renderPreview } from "@hrvend/dashboards/preview";
import { loadOrCreateSecrets, readStack, urlsOf } from "@hrvend/infra";
import { withCredentials } from "@hrvend/infra/db";
import { Command } from "commander";
import type { CliConfig } from "../config";

/** `hrvend dashboards preview`: what each audience sees in Grafana, as one static HTML page. */
export function dashboardsCommand(config: CliConfig): Command {
  const cmd = new Command("dashboards")
    .description("the Grafana dashboards (dashboards/): preview without Grafana")
    .addHelpText("after", "\nExamples:\n  npx hrvend dashboards preview --out preview.html");
  cmd
    .command("preview")
    .description("render every dashboard from its own panel SQL into a static HTML page (no Grafana needed)")
    .option("--out <file>", "HTML file to write", "dashboards-preview.html")
    .option("--database-url <url>", "PostgreSQL URL (default: the local stack, as hrvend_grafana)")
    .option(
      "--now <iso>",
      "end of the dashboards' relative time ranges (default: the latest recorded event, at most the wall clock)",
    )
    .addHelpText(
      "after",
      `
Each panel's SQL is expanded exactly as Grafana's PostgreSQL datasource does ($__timeFilter,
$__timeGroupAlias with TimescaleDB, multi-value variables with All selected) and run as the
read-only role hrvend_grafana. Stats, time series (inline SVG), tables and bar gauges; no
script and no network access in the page.

Examples:
  npx hrvend dashboards preview
  npx hrvend dashboards preview --out /tmp/preview.html --now 2026-04-05T00:00:00Z
  npx hrvend dashboards preview --database-url postgres://hrvend_grafana:…@db:5432/hrvend`,
    )
    .action(async (opts: { out: string; databaseUrl?: string; now?: string }) => {
      const now = opts.now === undefined ? undefined : new Date(opts.now);
      if (now && Number.isNaN(now.getTime()))
        throw new Error(`--now '${opts.now}' is not an ISO 8601 instant`);
      const url = opts.databaseUrl ?? localUrl(config);
      if (!url)
        throw new Error("no local stack is running (npx hrvend infra up) and no --database-url was given");
      const html = await withConnection(url, (db) => renderPreview(db, { now }));
      const out = resolve(opts.out);
      writeFileSync(out, html);
      console.log(`wrote ${out} (${Math.round(html.length / 1024)} KiB)`);
    });
  return cmd;
}

function localUrl(config: CliConfig): string | undefined {
  const state = readStack(config.stateDir);
  if (!state) return undefined;
  const secrets = loadOrCreateSecrets(config.stateDir);
  return withCredentials(urlsOf(state, secrets).postgresAdmin, "hrvend_grafana", secrets.hrvend_grafana);
}
