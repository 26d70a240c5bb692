import { loadOrCreateSecrets, prepareDatabase, readStack, urlsOf } from "@hrvend/infra";
import { translator } from "@hrvend/infra/i18n";
import { Command } from "commander";
import type { CliConfig } from "../config";

export function dbCommand(config: CliConfig): Command {
  const db = new Command("db")
    .description(translator(config.lang, "cli")("db.description"))
    .addHelpText("after", "\nExamples:\n  npx hrvend db migrate");
  db.command("migrate")
    .description("create the hrvend database if needed, apply pending migrations, set role passwords")
    .option("--url <url>", "PostgreSQL superuser URL (default: the local stack's)")
    .addHelpText(
      "after",
      "\nExamples:\n  npx hrvend db migrate\n  npx hrvend db migrate --url postgres://postgres@127.0.0.1:5433/hrvend",
    )
    .action(async (opts: { url?: string }) => {
      const secrets = loadOrCreateSecrets(config.stateDir);
      const state = readStack(config.stateDir);
      const url = opts.url ?? (state ? urlsOf(state, secrets).postgresAdmin : undefined);
      if (!url) throw new Error("no local stack is running (npx hrvend infra up) and no --url was given");
      await prepareDatabase(url, secrets, (l) => console.log(l));
    });
  return db;
}
