import { readFileSync } from "node:fs";
import { EstimatesFile, saveConfig } from "@hrvend/coverage";
import { loadScenario } from "@hrvend/devices";
import { readStack, urlsOf } from "@hrvend/local-stack";
import { loadOrCreateSecrets } from "@hrvend/runtime";
import { createDb, withCredentials } from "@hrvend/runtime/db";
import { translator } from "@hrvend/runtime/i18n";
import { localDate } from "@hrvend/runtime/time";
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
  const m = translator(config.lang, "cli");
  const cmd = new Command("coverage")
    .description(m("coverage.description"))
    .addHelpText(
      "after",
      `\n${m("opt.examples")}\n  npx hrvend coverage estimates --from-scenario pilot\n  npx hrvend coverage estimates --file estimates.json`,
    );
  cmd
    .command("estimates")
    .description(m("coverage.estimates"))
    .option("--file <estimates.json>", m("coverage.file"))
    .option("--from-scenario <name>", m("coverage.fromScenario"))
    .option("--effective-from <date>", m("coverage.effectiveFrom"))
    .option("--threshold <n>", m("coverage.threshold"))
    .option("--print", m("coverage.print"))
    .option("--database-url <url>", m("opt.databaseUrl", { role: "hrvend_writer" }))
    .addHelpText(
      "after",
      `
${m("coverage.help")}

${m("coverage.fileFormat")}
  { "source": "National survey 2025 (ref…)",
    "estimates": [ { "prisonId": "md-p13", "effectiveFrom": "2026-01-01",
                     "injectingPrevalence": 0.19, "opioidDependencePrevalence": 0.13 } ],
    "suppression": [ { "effectiveFrom": "2026-01-01", "threshold": 5 } ] }

${m("opt.examples")}
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
          throw new Error(m("coverage.giveOne"));
        if (opts.effectiveFrom !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.effectiveFrom))
          throw new Error(m("errors.notADate", { flag: "--effective-from", value: opts.effectiveFrom }));
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
            throw new Error(m("coverage.badThreshold", { value: opts.threshold }));
          if (!opts.effectiveFrom) throw new Error(m("coverage.thresholdNeedsDate"));
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
        if (!url) throw new Error(m("errors.noStack"));
        const db = createDb(url, { max: 1 });
        try {
          const r = await saveConfig(db, file);
          console.log(
            m("coverage.loaded", { estimates: r.estimates, thresholds: r.thresholds, figures: r.figures }),
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
