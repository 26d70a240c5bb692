import { loadOrCreateSecrets, prepareDatabase, readStack, urlsOf } from "@hrvend/infra";
import { translator } from "@hrvend/infra/i18n";
import { Command } from "commander";
import type { CliConfig } from "../config";

export function dbCommand(config: CliConfig): Command {
  const t = translator(config.lang, "cli");
  const db = new Command("db")
    .description(t("db.description"))
    .addHelpText("after", `\n${t("opt.examples")}\n  npx hrvend db migrate`);
  db.command("migrate")
    .description(t("db.migrate"))
    .option("--url <url>", t("db.url"))
    .addHelpText(
      "after",
      `\n${t("opt.examples")}\n  npx hrvend db migrate\n  npx hrvend db migrate --url postgres://postgres@127.0.0.1:5433/hrvend`,
    )
    .action(async (opts: { url?: string }) => {
      const secrets = loadOrCreateSecrets(config.stateDir);
      const state = readStack(config.stateDir);
      const url = opts.url ?? (state ? urlsOf(state, secrets).postgresAdmin : undefined);
      if (!url) throw new Error(t("errors.noStackFlag", { flag: "--url" }));
      await prepareDatabase(url, secrets, (l) => console.log(l));
    });
  return db;
}
