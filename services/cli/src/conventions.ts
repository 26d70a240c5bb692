import { LANGS, type Lang, translator } from "@hrvend/runtime/i18n";
import { isoInZone } from "@hrvend/runtime/time";
import { type Command, CommanderError, Option } from "commander";

/**
 * What every `hrvend` command keeps (issue #18): exit codes, the error line, deprecated option
 * names, `--json`, and one time convention per output. Pure where it can be; no import of the
 * runtime, so it is testable on its own.
 */

/** Exit codes, the same for every command (services/cli/README.md, "Exit codes"). */
export const EXIT = {
  /** Done; for a status command, everything runs. */
  ok: 0,
  /** The command failed (one line `hrvend: …` on stderr). */
  error: 1,
  /** The command line was wrong: unknown option or command, missing or invalid argument. */
  usage: 2,
  /** A status command ran, but something is down or not running. */
  down: 3,
} as const;

/** The exit code of what a command threw: a usage error commander found is 2, anything else 1. */
export function exitCodeOf(e: unknown): number {
  // Help asked for and --version exit 0; `hrvend` without a command, like any usage error, 2.
  if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  return EXIT.error;
}

/**
 * Why something failed: the message, or what an error without one carries. A message over several
 * lines (a list of problems, one per line, as `registry apply` and `import` give with file:line)
 * keeps its lines: one problem per line is what a person and an editor's jump-to-line read.
 */
export function reasonOf(e: unknown): string {
  if (e instanceof AggregateError && !e.message) {
    // Node's connection errors (ECONNREFUSED on every address) come with an empty message.
    const inner = e.errors.map(reasonOf).filter((r) => r !== "");
    return [...new Set(inner)].join("; ") || String((e as { code?: string }).code ?? "error");
  }
  if (e instanceof Error) {
    const message = e.message || String((e as { code?: string }).code ?? e.name);
    return oneLine(message);
  }
  if (typeof e === "string") return oneLine(e);
  try {
    return oneLine(JSON.stringify(e) ?? String(e));
  } catch {
    return String(e);
  }
}

/** A message without blank lines or trailing space; its first line is what failed. */
const oneLine = (s: string): string =>
  s
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "")
    .join("\n");

/**
 * An error from below the CLI that does not say what was being done: a system call's (`connect
 * ECONNREFUSED 127.0.0.1:5432`), a group of them, or the database's own. The CLI's own errors say
 * it already (`cannot read x.yaml: ENOENT`).
 */
export function isBare(e: unknown): boolean {
  if (e instanceof AggregateError) return true;
  if (!(e instanceof Error)) return false;
  const x = e as { syscall?: unknown; severity?: unknown; code?: unknown };
  return typeof x.syscall === "string" || (typeof x.severity === "string" && typeof x.code === "string");
}

/**
 * What a failed command prints on stderr: `hrvend: <what failed>: <why>` on one line — `what` (the
 * command, e.g. `access list`) before a bare error that does not say it; with HRVEND_DEBUG=1 the
 * stack trace (and each cause's) after it.
 */
export function errorReport(e: unknown, debug: boolean, what?: string): string {
  const lines = [`hrvend: ${what && isBare(e) ? `${what}: ` : ""}${reasonOf(e)}`];
  if (debug) {
    let cur: unknown = e;
    for (let depth = 0; cur !== undefined && depth < 5; depth++) {
      lines.push(cur instanceof Error ? (cur.stack ?? String(cur)) : String(cur));
      cur = cur instanceof Error ? cur.cause : undefined;
      if (cur !== undefined) lines.push("caused by:");
    }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Makes commander throw instead of exiting, on the command and every subcommand under it, so
 * main.ts maps usage errors to exit code 2 (commander has already printed its own message).
 */
/** `access list` for the subcommand list of access: the command path below the program. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

export function throwOnUsageErrors(cmd: Command): Command {
  cmd.exitOverride();
  for (const sub of cmd.commands) throwOnUsageErrors(sub);
  return cmd;
}

export type ConventionWord = "deprecated" | "times" | "summaryJson" | "json";

/** A convention's words in `lang`, from the `cli` catalogue (`conventions.*`; English where a language lacks one). */
export function conventionText(
  word: ConventionWord,
  lang: string,
  vars: Record<string, string> = {},
): string {
  const known = (LANGS as readonly string[]).includes(lang) ? (lang as Lang) : "en";
  return translator(known, "cli")(`conventions.${word}`, vars);
}

/**
 * Keeps an option's old name working, hidden from --help: given, it prints one line to stderr
 * (`hrvend: --url is deprecated, use --database-url`) and sets the option's current name, unless
 * that was given too (the current name wins).
 */
export function deprecatedAlias(
  cmd: Command,
  old: string,
  current: string,
  o: { lang?: string; warn?: (line: string) => void } = {},
): Command {
  const alias = new Option(old).hideHelp();
  const target = cmd.options.find((x) => x.long === current);
  if (!target) throw new Error(`${cmd.name()}: no option ${current} to alias as ${old}`);
  const warn = o.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  cmd.addOption(alias);
  cmd.on(`option:${alias.name()}`, (value: unknown) => {
    warn(conventionText("deprecated", o.lang ?? "en", { old: alias.long ?? old, new: current }));
    const key = target.attributeName();
    if (cmd.getOptionValueSource(key) !== "cli") cmd.setOptionValueWithSource(key, value, "cli");
  });
  return cmd;
}

/**
 * `--json` on a command whose `--format` has other choices too (csv, html, pdf): `--json` is
 * `--format json`, and wins over another --format; `--format` stays.
 */
export function jsonFormatOption(lang: string): Option {
  return new Option("--json", conventionText("json", lang));
}

/** The output format asked for: `json` with --json, else --format's. */
export function formatOf<F extends string>(o: { format: F; json?: boolean }): F | "json" {
  return o.json ? "json" : o.format;
}

/** `2026-03-29T01:00:00.000Z` as UTC ISO 8601 with `Z`, to the minute (`2026-03-29T01:00Z`) or to the second. */
export function utcIso(instant: Date | number | string, precision: "minute" | "second" = "minute"): string {
  const iso = new Date(instant).toISOString();
  return `${iso.slice(0, precision === "minute" ? 16 : 19)}Z`;
}

/**
 * An instant as ISO 8601 in `timeZone`'s local time with its offset at that instant, e.g.
 * `2026-03-29T03:00+02:00` (to the minute) or `2026-03-29T03:00:00+02:00` (to the second).
 */
export function localIso(
  instant: Date | number | string,
  timeZone: string,
  precision: "minute" | "second" = "minute",
): string {
  // YYYY-MM-DDTHH:MM:SS±HH:MM from the one local-time module; to the minute drops the seconds.
  const full = isoInZone(new Date(instant).getTime(), timeZone);
  return precision === "second" ? full : `${full.slice(0, 16)}${full.slice(19)}`;
}

/** A time as the convention says: in its prison's local time with the offset when it has one, else UTC `Z`. */
export function conventionIso(
  instant: Date | number | string,
  timeZone: string | null | undefined,
  precision: "minute" | "second" = "minute",
): string {
  return timeZone ? localIso(instant, timeZone, precision) : utcIso(instant, precision);
}
