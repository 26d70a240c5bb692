import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { ACCESS, type Audience, withAudienceConnections, withConnection } from "@hrvend/dashboards";
import { renderPreview } from "@hrvend/dashboards/preview";
import { readStack, urlsOf } from "@hrvend/local-stack";
import { loadOrCreateSecrets } from "@hrvend/runtime";
import { AUDIENCES, withCredentials } from "@hrvend/runtime/db";
import { type TFunction, translator } from "@hrvend/runtime/i18n";
import { Command } from "commander";
import type { CliConfig } from "../config";

/** `hrvend dashboards preview`: what each audience sees in Grafana, as one static HTML page. */
export function dashboardsCommand(config: CliConfig): Command {
  const t = translator(config.lang, "cli");
  const cmd = new Command("dashboards")
    .description(t("dashboards.description"))
    .addHelpText("after", `\n${t("opt.examples")}\n  npx hrvend dashboards preview --out preview.html`);
  cmd
    .command("preview")
    .description(t("dashboards.preview"))
    .option("--out <file>", t("dashboards.out"), "dashboards-preview.html")
    .option("--database-url <url>", t("dashboards.databaseUrl"))
    .option(
      "--audience-url <audience=url>",
      t("dashboards.audienceUrl", { audiences: AUDIENCES.join(", ") }),
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option("--now <iso>", t("dashboards.now"))
    .addHelpText(
      "after",
      `
${t("dashboards.help")}

${t("opt.examples")}
  npx hrvend dashboards preview
  npx hrvend dashboards preview --out /tmp/preview.html --now 2026-04-05T00:00:00Z
  npx hrvend dashboards preview --audience-url administration=postgres://staff_north:…@db:5432/hrvend \
    --audience-url outreach=postgres://hrvend_outreach:…@db:5432/hrvend \
    --audience-url funder=postgres://hrvend_funder:…@db:5432/hrvend \
    --audience-url operator=postgres://hrvend_operator:…@db:5432/hrvend`,
    )
    .action(async (opts: { out: string; databaseUrl?: string; audienceUrl: string[]; now?: string }) => {
      const now = opts.now === undefined ? undefined : new Date(opts.now);
      if (now && Number.isNaN(now.getTime())) throw new Error(t("dashboards.badNow", { value: opts.now }));
      let html: string;
      if (opts.databaseUrl && opts.audienceUrl.length === 0)
        html = await withConnection(opts.databaseUrl, (db) => renderPreview(db, { now }));
      else {
        const urls = { ...localUrls(config), ...parseAudienceUrls(opts.audienceUrl, t) };
        const missing = AUDIENCES.filter((a) => !urls[a]);
        if (missing.length > 0)
          throw new Error(t("dashboards.noAudienceUrl", { missing: missing.join(", ") }));
        html = await withAudienceConnections(urls as Record<Audience, string>, (dbs) =>
          renderPreview(dbs, { now }),
        );
      }
      const out = resolve(opts.out);
      writeFileSync(out, html);
      console.log(t("dashboards.wrote", { file: out, kib: Math.round(html.length / 1024) }));
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

function parseAudienceUrls(values: string[], t: TFunction): Partial<Record<Audience, string>> {
  const out: Partial<Record<Audience, string>> = {};
  for (const v of values) {
    const i = v.indexOf("=");
    const audience = v.slice(0, i) as Audience;
    if (i < 0 || !AUDIENCES.includes(audience))
      throw new Error(
        t("dashboards.badAudience", { given: v.split("=")[0], audiences: AUDIENCES.join(", ") }),
      );
    out[audience] = v.slice(i + 1);
  }
  return out;
}
