import { prepareDatabase, readStack, urlsOf } from "@hrvend/local-stack";
import { loadOrCreateSecrets } from "@hrvend/runtime";
import { translator } from "@hrvend/runtime/i18n";
import { Command } from "commander";
import type { CliConfig } from "../config";
import { deprecatedAlias } from "../conventions";
import { MIGRATIONS } from "../db";

export function dbCommand(config: CliConfig): Command {
  const t = translator(config.lang, "cli");
  const db = new Command("db")
    .description(t("db.description"))
    .addHelpText("after", `\n${t("opt.examples")}\n  npx hrvend db migrate`);
  db.command("migrate")
    .description(t("db.migrate"))
    .option("--database-url <url>", t("db.url"))
    .addHelpText(
      "after",
      `\n${t("opt.examples")}\n  npx hrvend db migrate\n  npx hrvend db migrate --database-url postgres://postgres@127.0.0.1:5433/hrvend`,
    )
    .action(async (opts: { databaseUrl?: string }) => {
      const secrets = loadOrCreateSecrets(config.stateDir);
      const state = readStack(config.stateDir);
      const url = opts.databaseUrl ?? (state ? urlsOf(state, secrets).postgresAdmin : undefined);
      if (!url) throw new Error(t("errors.noStackFlag", { flag: "--database-url" }));
      await prepareDatabase(url, secrets, (l) => console.log(l), MIGRATIONS);
    });
  for (const sub of db.commands) deprecatedAlias(sub, "--url <url>", "--database-url", { lang: config.lang });
  return db;
}
