import { writeFileSync } from "node:fs";
import { readStack, urlsOf } from "@hrvend/local-stack";
import { loadOrCreateSecrets } from "@hrvend/runtime";
import { createDb, withCredentials } from "@hrvend/runtime/db";
import { translator } from "@hrvend/runtime/i18n";
import { Command, Option } from "commander";
import type { CliConfig } from "../config";
import { buildValues, Dhis2ExportError, toAdx, toDataValueSet } from "../dhis2/build";
import { dhis2Token } from "../dhis2/env";
import { loadMapping } from "../dhis2/mapping";
import { parseDhis2Period } from "../dhis2/periods";
import { type Dhis2Format, describeSummary, push, pushRequest } from "../dhis2/push";
import { PROTECTED_TYPES, readProtected, readUnprotected } from "../dhis2/read";

interface Opts {
  mapping: string;
  period: string;
  format: Dhis2Format;
  out?: string;
  push?: string;
  dryRun?: boolean;
  unprotected?: boolean;
  databaseUrl?: string;
  json?: boolean;
}

export function exportDhis2Command(config: CliConfig): Command {
  const t = translator(config.lang, "cli");
  return new Command("dhis2")
    .description(t("export.dhis2"))
    .requiredOption("--mapping <file>", t("export.mapping"))
    .requiredOption("--period <period>", t("export.period"))
    .addOption(
      new Option("--format <format>", t("export.payloadFormat")).choices(["json", "adx"]).default("json"),
    )
    .option("--out <file>", t("export.outPayload"))
    .option("--push <url>", t("export.push"))
    .option("--dry-run", t("export.dryRun"))
    .option("--unprotected", t("export.unprotected"))
    .option("--database-url <url>", t("export.databaseUrlFunder"))
    .option("--json", t("export.json"))
    .addHelpText(
      "after",
      `
${t("export.dhis2Help")}

${t("opt.examples")}
  npx hrvend export dhis2 --mapping infra/deploy/dhis2/mapping.example.yaml --period 2026Q1
  npx hrvend export dhis2 --mapping mapping.yaml --period 2026Q1 --format adx --out q1.adx.xml
  npx hrvend export dhis2 --mapping mapping.yaml --period 2026Q1 --push https://dhis2.example.org --dry-run
  HRVEND_DHIS2_TOKEN=d2pat_… npx hrvend export dhis2 --mapping mapping.yaml --period 2026Q1 --push https://dhis2.example.org`,
    )
    .action(async (opts: Opts) => {
      const period = parseDhis2Period(opts.period);
      const mapping = loadMapping(opts.mapping);
      const unprotected = Boolean(opts.unprotected);
      if (unprotected && !mapping.unprotected)
        throw new Dhis2ExportError(
          `--unprotected: ${opts.mapping} names no role allowed to send unprotected figures (unprotected.role)`,
        );
      if (!unprotected && !(PROTECTED_TYPES as readonly string[]).includes(period.type))
        throw new Dhis2ExportError(
          `${period.id} is a ${period.type}: the funder publication, the only figures that leave hrvend protected, has quarters and years. ` +
            "A finer period needs a mapping that names a role allowed to send unprotected figures (unprotected.role), that role's --database-url and --unprotected",
        );
      const today = new Date().toISOString().slice(0, 10);
      if (period.end >= today)
        throw new Dhis2ExportError(
          `${period.id} has not ended (its last day is ${period.end}): its figures and which of them are hidden change until it does, and DHIS2 would keep every version sent; export it after ${period.end}`,
        );
      const token = dhis2Token(config.env);
      if (opts.push && !opts.dryRun && !token)
        throw new Dhis2ExportError(
          "--push needs a DHIS2 personal access token in HRVEND_DHIS2_TOKEN (or --dry-run to see what would be sent)",
        );
      const url =
        opts.databaseUrl ?? config.databaseUrl ?? (unprotected ? undefined : localFunderUrl(config));
      if (!url)
        throw new Dhis2ExportError(
          unprotected
            ? `--unprotected needs --database-url as the role '${mapping.unprotected?.role}'`
            : t("errors.noStack"),
        );
      const db = createDb(url, { max: 1 });
      let rows: Awaited<ReturnType<typeof readProtected>>;
      try {
        rows = unprotected
          ? await readUnprotected(db, period, mapping.unprotected?.role as string)
          : await readProtected(db, period);
      } finally {
        await db.destroy();
      }
      if (rows.length === 0)
        throw new Dhis2ExportError(
          `no ${unprotected ? "" : "published "}figures for ${period.id} (${period.start} – ${period.end}): has the coverage service seen that period?`,
        );
      const values = buildValues(rows, mapping, period);
      const body =
        opts.format === "adx"
          ? toAdx(values, mapping, new Date())
          : `${JSON.stringify(toDataValueSet(values, mapping), null, 2)}\n`;
      const hidden = values.notSent.filter((c) => c.reason === "hidden").length;
      const undef = values.notSent.length - hidden;
      console.error(
        `${period.id}${unprotected ? " (UNPROTECTED, as " + mapping.unprotected?.role + ")" : ""}: ${values.values.length} values for ${new Set(values.values.map((v) => v.orgUnit.id)).size} organisation units; left out: ${hidden} hidden by disclosure control, ${undef} undefined (no denominator)`,
      );
      if (!opts.push) {
        if (opts.out) {
          writeFileSync(opts.out, body);
          console.error(t("wrote", { file: opts.out }));
        } else process.stdout.write(body);
        return;
      }
      const req = pushRequest(opts.push, opts.format, body);
      if (opts.dryRun) {
        process.stdout.write(
          `POST ${req.url}\nContent-Type: ${req.contentType}\nAuthorization: ApiToken (from HRVEND_DHIS2_TOKEN, ${token ? "set" : "NOT SET"}; not shown)\n\n${body}`,
        );
        console.error(t("export.dryRunNothingSent"));
        return;
      }
      const result = await push(req, token as string);
      if (opts.json)
        process.stdout.write(
          `${JSON.stringify({ httpStatus: result.httpStatus, ...result.summary }, null, 2)}\n`,
        );
      else console.log(describeSummary(result));
      if (!result.ok) process.exitCode = 1;
    });
}

function localFunderUrl(config: CliConfig): string | undefined {
  const state = readStack(config.stateDir);
  if (!state) return undefined;
  const secrets = loadOrCreateSecrets(config.stateDir);
  return withCredentials(urlsOf(state, secrets).postgresAdmin, "hrvend_funder", secrets.hrvend_funder);
}
