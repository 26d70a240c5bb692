import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { ACCESS, type Audience, withAudienceConnections, withConnection } from "@hrvend/dashboards";
import { renderPreview } from "@hrvend/dashboards/preview";
import { loadOrCreateSecrets, readStack, urlsOf } from "@hrvend/infra";
import { AUDIENCES, withCredentials } from "@hrvend/infra/db";
import { translator } from "@hrvend/infra/i18n";
import { Command } from "commander";
import type { CliConfig } from "../config";

/** `hrvend dashboards preview`: what each audience sees in Grafana, as one static HTML page. */
export function dashboardsCommand(config: CliConfig): Command {
  const cmd = new Command("dashboards")
    .description(translator(config.lang, "cli")("dashboards.description"))
    .addHelpText("after", "\nExamples:\n  npx hrvend dashboards preview --out preview.html");
  cmd
    .command("preview")
    .description("render every dashboard from its own panel SQL into a static HTML page (no Grafana needed)")
    .option("--out <file>", "HTML file to write", "dashboards-preview.html")
    .option(
      "--database-url <url>",
      "one PostgreSQL URL for every dashboard, as given (default: the local stack, each audience as its own role)",
    )
    .option(
      "--audience-url <audience=url>",
      `the URL one audience's dashboards run with (${AUDIENCES.join(", ")}); repeat per audience`,
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      "--now <iso>",
      "end of the dashboards' relative time ranges (default: the latest recorded event, at most the wall clock)",
    )
    .addHelpText(
      "after",
      `
Each panel's SQL is expanded exactly as Grafana's PostgreSQL datasource does ($__timeFilter,
$__timeGroupAlias with TimescaleDB, multi-value variables with All selected) and run as the
dashboard's audience role, as its Grafana datasource does: administration as
hrvend_admin_national (every prison), outreach as hrvend_outreach, funders as hrvend_funder,
operators as hrvend_operator. A panel that needs more than its role may read shows its error.
Stats, time series (inline SVG), tables and bar gauges; no script and no network access in the page.

Examples:
  npx hrvend dashboards preview
  npx hrvend dashboards preview --out /tmp/preview.html --now 2026-04-05T00:00:00Z
  npx hrvend dashboards preview --audience-url administration=postgres://staff_north:…@db:5432/hrvend \
    --audience-url outreach=postgres://hrvend_outreach:…@db:5432/hrvend \
    --audience-url funder=postgres://hrvend_funder:…@db:5432/hrvend \
    --audience-url operator=postgres://hrvend_operator:…@db:5432/hrvend`,
    )
    .action(async (opts: { out: string; databaseUrl?: string; audienceUrl: string[]; now?: string }) => {
      const now = opts.now === undefined ? undefined : new Date(opts.now);
      if (now && Number.isNaN(now.getTime()))
        throw new Error(`--now '${opts.now}' is not an ISO 8601 instant`);
      let html: string;
      if (opts.databaseUrl && opts.audienceUrl.length === 0)
        html = await withConnection(opts.databaseUrl, (db) => renderPreview(db, { now }));
      else {
        const urls = { ...localUrls(config), ...parseAudienceUrls(opts.audienceUrl) };
        const missing = AUDIENCES.filter((a) => !urls[a]);
        if (missing.length > 0)
          throw new Error(
            `no local stack is running (npx hrvend infra up) and no --audience-url for ${missing.join(", ")}`,
          );
        html = await withAudienceConnections(urls as Record<Audience, string>, (dbs) =>
          renderPreview(dbs, { now }),
        );
      }
      const out = resolve(opts.out);
      writeFileSync(out, html);
      console.log(`wrote ${out} (${Math.round(html.length / 1024)} KiB)`);
    });
  return cmd;
}

/** Each audience's login on the local stack, with its password from the stack's secrets. */
function localUrls(config: CliConfig): Partial<Record<Audience, string>> {
  const state = readStack(config.stateDir);
  if (!state) return {};
  const secrets = loadOrCreateSecrets(config.stateDir);
  const admin = urlsOf(state, secrets).postgresAdmin;
  return Object.fromEntries(
    AUDIENCES.map((a) => {
      const role = ACCESS[a].role as keyof typeof secrets;
      return [a, withCredentials(admin, role, secrets[role])];
    }),
  );
}

function parseAudienceUrls(values: string[]): Partial<Record<Audience, string>> {
  const out: Partial<Record<Audience, string>> = {};
  for (const v of values) {
    const i = v.indexOf("=");
    const audience = v.slice(0, i) as Audience;
    if (i < 0 || !AUDIENCES.includes(audience))
      throw new Error(
        `--audience-url '${v.split("=")[0]}=…': the audience must be one of ${AUDIENCES.join(", ")}`,
      );
    out[audience] = v.slice(i + 1);
  }
  return out;
}
