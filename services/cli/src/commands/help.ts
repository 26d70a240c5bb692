import type { TFunction } from "@hrvend/runtime/i18n";
import type { Command } from "commander";

/**
 * Commander's own words in a command's help (headings, the help option and help command) in the
 * `cli` catalogue's language, for the command and every subcommand under it. `(default: …)` and
 * `(choices: …)` stay as commander writes them.
 */
export function localizeHelp(cmd: Command, t: TFunction): Command {
  const titles: Record<string, string> = {
    "Usage:": t("help.usage"),
    "Options:": t("help.options"),
    "Commands:": t("help.commands"),
    "Arguments:": t("help.arguments"),
    "Global Options:": t("help.globalOptions"),
  };
  cmd.configureHelp({ ...cmd.configureHelp(), styleTitle: (title: string) => titles[title] ?? title });
  cmd.helpOption("-h, --help", t("help.help"));
  if (cmd.commands.length > 0) cmd.helpCommand("help [command]", t("help.help"));
  for (const sub of cmd.commands) localizeHelp(sub, t);
  return cmd;
}
