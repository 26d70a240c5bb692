import { loadOrCreateSecrets, readStack, urlsOf } from "@hrvend/infra";
import { createDb, withCredentials } from "@hrvend/infra/db";
import { renderPlanCsv, renderPlanJson, renderPlanTable } from "@hrvend/reorder";
import { readPlan } from "@hrvend/reorder/plans";
import { Command, Option } from "commander";
import type { CliConfig } from "../config";

const FORMATS = ["table", "csv", "json"] as const;
type Format = (typeof FORMATS)[number];

/** What to load for a prison's next outreach visit (or the visit on a given day), machine by machine. */
export function restockPlanCommand(config: CliConfig): Command {
  return new Command("restock-plan")
    .description("print the restock plan the reorder service computed for a prison's next outreach visit")
    .requiredOption("--prison <id>", "prison id (an unknown id lists the known ones)")
    .option(
      "--visit <date>",
      "plan for a visit on this local date (YYYY-MM-DD) at the schedule's hour, from the same stock and demand",
    )
    .addOption(new Option("--format <format>", "output format").choices(FORMATS).default("table"))
    .option("--pick-list", "with --format csv: the pick list (one line per item) instead of the slot lines")
    .option("--database-url <url>", "PostgreSQL URL (default: the local stack, as hrvend_writer)")
    .addHelpText(
      "after",
      `
Machines come in priority order (projected stockout first); quantities are whole units to
bring: by default capacity − stock projected at the visit + safety stock (load what fits, take
the rest back); with the reorder service's FILL_TO=max, Max − projected. Naloxone lots expiring
before the following visit are swapped. Times are the prison's local time. JSON keeps every field of the plan.

Examples:
  npx hrvend restock-plan --prison sm-north
  npx hrvend restock-plan --prison sm-north --visit 2026-04-15 --format csv > plan.csv
  npx hrvend restock-plan --prison sm-north --format csv --pick-list
  npx hrvend restock-plan --prison sm-north --format json --database-url postgres://…/hrvend`,
    )
    .action(
      async (opts: {
        prison: string;
        visit?: string;
        format: Format;
        pickList?: boolean;
        databaseUrl?: string;
      }) => {
        if (opts.visit !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.visit))
          throw new Error(`--visit '${opts.visit}' is not a date YYYY-MM-DD`);
        const url = opts.databaseUrl ?? localUrl(config);
        if (!url)
          throw new Error("no local stack is running (npx hrvend infra up) and no --database-url was given");
        const db = createDb(url, { max: 1 });
        try {
          const plan = await readPlan(db, opts.prison, opts.visit).catch((e: unknown) => {
            // 42P01 undefined_table, 3F000 invalid_schema_name: migrations not applied.
            const code = (e as { code?: string }).code;
            if (code === "42P01" || code === "3F000")
              throw new Error("this database has no reorder tables yet: run npx hrvend db migrate", {
                cause: e,
              });
            throw e;
          });
          const out =
            opts.format === "json"
              ? renderPlanJson(plan)
              : opts.format === "csv"
                ? renderPlanCsv(plan, opts.pickList ? "pick" : "slots")
                : renderPlanTable(plan);
          process.stdout.write(out);
        } finally {
          await db.destroy();
        }
      },
    );
}

function localUrl(config: CliConfig): string | undefined {
  const state = readStack(config.stateDir);
  if (!state) return undefined;
  const secrets = loadOrCreateSecrets(config.stateDir);
  return withCredentials(urlsOf(state, secrets).postgresAdmin, "hrvend_writer", secrets.hrvend_writer);
}
