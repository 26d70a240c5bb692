import { readFileSync } from "node:fs";
import { EstimatesFile, localDate } from "@hrvend/coverage";
import { saveConfig } from "@hrvend/coverage/store";
import { loadScenario } from "@hrvend/devices";
import { loadOrCreateSecrets, readStack, urlsOf } from "@hrvend/infra";
import { createDb, withCredentials } from "@hrvend/infra/db";
import { translator } from "@hrvend/infra/i18n";
import { Command } from "commander";
import type { CliConfig } from "../config";

/** The estimates a simulated scenario was generated with, effective from its first local day. */
export function estimatesFromScenario(name: string, effectiveFrom?: string): EstimatesFile {
  const { scenario } = loadScenario(name);
  return {
    source: `scenario ${scenario.name}: modelled prevalence (devices/scenarios), not an official estimate`,
    estimates: scenario.prisons.map((p) => ({
      prisonId: p.prisonId,
      effectiveFrom: effectiveFrom ?? localDate(scenario.start, p.timeZone),
      injectingPrevalence: p.injectingPrevalence,
      opioidDependencePrevalence: p.opioidDependencePrevalence,
    })),
    suppression: [],
  };
}

export function coverageCommand(config: CliConfig): Command {
  const cmd = new Command("coverage")
    .description(translator(config.lang, "cli")("coverage.description"))
    .addHelpText(
      "after",
      "\nExamples:\n  npx hrvend coverage estimates --from-scenario pilot\n  npx hrvend coverage estimates --file estimates.json",
    );
  cmd
    .command("estimates")
    .description(
      "load prevalence estimates and suppression thresholds (with effective dates); figures are recomputed",
    )
    .option("--file <estimates.json>", "a file { source, estimates: [...], suppression: [...] }")
    .option("--from-scenario <name>", "the prevalences a simulator scenario was generated with (e.g. pilot)")
    .option(
      "--effective-from <date>",
      "with --from-scenario: effective date (default: the scenario's first day)",
    )
    .option(
      "--threshold <n>",
      "also set the suppression threshold (counts 1…n−1 hidden) from --effective-from",
    )
    .option("--print", "print the estimates file instead of loading it")
    .option("--database-url <url>", "PostgreSQL URL (default: the local stack, as hrvend_writer)")
    .addHelpText(
      "after",
      `
A period uses the estimate in force on its last day (latest effective date ≤ period end); a
prison without one uses the prevalence of its registry (ref_prison) event. Every figure names
the estimate it used (funder.coverage.estimate_source). Loading is idempotent per prison and
effective date, and recomputes every figure and its suppressed publication in one transaction.

File format:
  { "source": "National survey 2025 (ref…)",
    "estimates": [ { "prisonId": "md-p13", "effectiveFrom": "2026-01-01",
                     "injectingPrevalence": 0.19, "opioidDependencePrevalence": 0.13 } ],
    "suppression": [ { "effectiveFrom": "2026-01-01", "threshold": 5 } ] }

Examples:
  npx hrvend coverage estimates --from-scenario pilot
  npx hrvend coverage estimates --from-scenario pilot --print > estimates.json
  npx hrvend coverage estimates --file estimates.json
  npx hrvend coverage estimates --file estimates.json --threshold 10 --effective-from 2026-04-01`,
    )
    .action(
      async (opts: {
        file?: string;
        fromScenario?: string;
        effectiveFrom?: string;
        threshold?: string;
        print?: boolean;
        databaseUrl?: string;
      }) => {
        if (!opts.file === !opts.fromScenario && opts.threshold === undefined)
          throw new Error("give one of --file <estimates.json> or --from-scenario <name> (or --threshold)");
        if (opts.effectiveFrom !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.effectiveFrom))
          throw new Error(`--effective-from '${opts.effectiveFrom}' is not a date YYYY-MM-DD`);
        let file: EstimatesFile = { estimates: [], suppression: [] };
        if (opts.file) {
          const parsed = EstimatesFile.safeParse(JSON.parse(readFileSync(opts.file, "utf8")));
          if (!parsed.success)
            throw new Error(
              `${opts.file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
            );
          file = parsed.data;
        } else if (opts.fromScenario) file = estimatesFromScenario(opts.fromScenario, opts.effectiveFrom);
        if (opts.threshold !== undefined) {
          const t = Number(opts.threshold);
          if (!Number.isInteger(t) || t < 1)
            throw new Error(`--threshold '${opts.threshold}' must be a whole number ≥ 1`);
          if (!opts.effectiveFrom) throw new Error("--threshold needs --effective-from <date>");
          file.suppression.push({
            effectiveFrom: opts.effectiveFrom,
            threshold: t,
            source: file.source ?? "hrvend CLI",
          });
        }
        if (opts.print) {
          process.stdout.write(`${JSON.stringify(file, null, 2)}\n`);
          return;
        }
        const url = opts.databaseUrl ?? localWriterUrl(config);
        if (!url)
          throw new Error("no local stack is running (npx hrvend infra up) and no --database-url was given");
        const db = createDb(url, { max: 1 });
        try {
          const r = await saveConfig(db, file);
          console.log(
            `loaded ${r.estimates} estimate(s) and ${r.thresholds} threshold(s); recomputed ${r.figures} figure rows`,
          );
        } finally {
          await db.destroy();
        }
      },
    );
  return cmd;
}

function localWriterUrl(config: CliConfig): string | undefined {
  const state = readStack(config.stateDir);
  if (!state) return undefined;
  const secrets = loadOrCreateSecrets(config.stateDir);
  return withCredentials(urlsOf(state, secrets).postgresAdmin, "hrvend_writer", secrets.hrvend_writer);
}
