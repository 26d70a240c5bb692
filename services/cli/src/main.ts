import { readFileSync } from "node:fs";
import { translator } from "@hrvend/runtime/i18n";
import { Command, CommanderError } from "commander";
import { accessCommand } from "./commands/access";
import { alertsCommand } from "./commands/alerts";
import { coverageCommand } from "./commands/coverage";
import { dashboardsCommand } from "./commands/dashboards";
import { dbCommand } from "./commands/db";
import { exportCommand } from "./commands/export";
import { grafanaCommand } from "./commands/grafana";
import { localizeHelp } from "./commands/help";
import { importCommand } from "./commands/import";
import { infraCommand } from "./commands/infra";
import { machinesCommand } from "./commands/machines";
import { parkedCommand } from "./commands/parked";
import { registryCommand } from "./commands/registry";
import { replayCommand } from "./commands/replay";
import { reportCommand } from "./commands/report";
import { restockPlanCommand } from "./commands/restock-plan";
import { retentionCommand } from "./commands/retention";
import { servicesCommand } from "./commands/services";
import { simulateCmd } from "./commands/simulate";
import { smokeCommand } from "./commands/smoke";
import { summaryCommand } from "./commands/summary";
import { type CliConfig, loadConfig } from "./config";
import { commandPath, EXIT, errorReport, exitCodeOf, throwOnUsageErrors } from "./conventions";

const config = loadConfigOrExit();
const t = translator(config.lang, "cli");
const program = new Command("hrvend")
  .description(t("main.description"))
  .version(cliVersion(), "-V, --version", t("opt.version"))
  .showHelpAfterError()
  .addHelpText(
    "after",
    `
${t("main.mainJob")}
${t("main.languages")}

${t("opt.examples")}
  npx hrvend infra up && npx hrvend services start
  npx hrvend simulate --scenario pilot --days 90 --speed max
  npx hrvend summary
  npx hrvend parked list
  npx hrvend restock-plan --prison md-p13
  npx hrvend report coverage --from 2026-01-01 --to 2026-03-31 --format html --out q1.html
  npx hrvend dashboards preview
  npx hrvend services stop && npx hrvend infra down`,
  );

program.addCommand(infraCommand(config));
program.addCommand(dbCommand(config));
program.addCommand(retentionCommand(config));
program.addCommand(accessCommand(config));
program.addCommand(registryCommand(config));
program.addCommand(machinesCommand(config));
program.addCommand(simulateCmd(config));
program.addCommand(servicesCommand(config));
program.addCommand(replayCommand(config));
program.addCommand(smokeCommand(config));
program.addCommand(summaryCommand(config));
program.addCommand(restockPlanCommand(config));
program.addCommand(alertsCommand(config));
program.addCommand(parkedCommand(config));
program.addCommand(reportCommand(config));
program.addCommand(exportCommand(config));
program.addCommand(coverageCommand(config));
program.addCommand(importCommand(config));
program.addCommand(dashboardsCommand(config));
program.addCommand(grafanaCommand(config));
localizeHelp(program, t);
throwOnUsageErrors(program);
// Which command runs, to name it before an error that does not say what failed.
let running: string | undefined;
program.hook("preAction", (_program, action) => {
  running = commandPath(action);
});

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Commander has printed its own message for a usage error (exit 2); help and --version exit 0.
  const code = exitCodeOf(e);
  if (!(e instanceof CommanderError)) process.stderr.write(errorReport(e, config.debug, running));
  process.exitCode = code;
}

/** A bad environment variable is the user's to fix: one line naming it, no stack trace. */
function loadConfigOrExit(): CliConfig {
  try {
    return loadConfig();
  } catch (e) {
    process.stderr.write(errorReport(e, false));
    process.exit(EXIT.error);
  }
}

function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}
