import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { catalogues, type Lang, translator } from "@hrvend/runtime/i18n";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
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
import { smokeCommand } from "./commands/smoke";
import { summaryCommand } from "./commands/summary";
import { inheritedPath, loadConfig } from "./config";

/** The commands whose messages go through the `cli` catalogue (issue #19); the others still print English. */
const TRANSLATED = [
  summaryCommand,
  alertsCommand,
  servicesCommand,
  infraCommand,
  importCommand,
  registryCommand,
  machinesCommand,
  exportCommand,
  parkedCommand,
  dbCommand,
  grafanaCommand,
  dashboardsCommand,
  accessCommand,
  coverageCommand,
  replayCommand,
  smokeCommand,
  reportCommand,
  restockPlanCommand,
  retentionCommand,
];
const LANGS_TRANSLATED: Lang[] = ["ro", "ru", "uk"];

/** Every string of a catalogue tree. */
function strings(tree: unknown): string[] {
  if (typeof tree === "string") return [tree];
  return Object.values(tree as Record<string, unknown>).flatMap(strings);
}

/**
 * The English phrases a translated output must not contain: every run of three or more words
 * between placeholders and line breaks in the English catalogue, except those the language keeps
 * as they are (commands, flags, ids).
 */
function englishPhrases(lang: Lang): string[] {
  const all = catalogues();
  const kept = new Set(strings(all[lang].cli));
  const phrases = new Set<string>();
  for (const s of strings(all.en.cli))
    for (const part of s.split(/\{\{[^}]*\}\}|\n|[:;(),]/)) {
      const p = part.trim();
      if (
        p.split(/\s+/).filter((w) => /^[A-Za-z']+$/.test(w)).length >= 3 &&
        ![...kept].some((k) => k.includes(p))
      )
        phrases.add(p);
    }
  return [...phrases];
}

/** The full help of a command and each of its subcommands, as `--help` prints it. */
function helpOf(cmd: Command): string {
  let text = "";
  cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  cmd.outputHelp();
  return text + cmd.commands.map(helpOf).join("");
}

/** Help is wrapped to the terminal's width: compare with every run of white space as one space. */
const flat = (s: string) => s.replace(/\s+/g, " ");
const found = (text: string, phrases: string[]) => phrases.filter((p) => flat(text).includes(flat(p)));

const MISSING = "/nonexistent/hrvend-registry.yaml";
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
async function hrvend(
  args: string[],
  lang: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, ["services/cli/bin/hrvend.js", ...args], {
      cwd: ROOT,
      env: { PATH: inheritedPath(), HRVEND_LANG: lang },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe("the CLI's messages in Romanian, Russian and Ukrainian", () => {
  it("the check finds English: the English help of the translated commands holds many catalogue phrases", () => {
    const en = TRANSLATED.map((f) => helpOf(f(loadConfig({ HRVEND_LANG: "en" })))).join("");
    expect(found(en, englishPhrases("ru")).length).toBeGreaterThan(20);
  });

  for (const lang of LANGS_TRANSLATED)
    it(`${lang}: --help of every translated command and subcommand has no English phrase of the catalogue`, () => {
      const phrases = englishPhrases(lang);
      for (const make of TRANSLATED) {
        const cmd = localizeHelp(make(loadConfig({ HRVEND_LANG: lang })), translator(lang, "cli"));
        const help = helpOf(cmd);
        expect(found(help, phrases), `${lang}: hrvend ${cmd.name()} --help`).toEqual([]);
        const section =
          catalogues()[lang].cli[cmd.name().replace(/-(\w)/g, (_, c: string) => c.toUpperCase())];
        expect(flat(help)).toContain(flat((section as { description: string }).description));
      }
    });

  it("the built CLI, run as a user would: main help and a user error per language, same exit code as English", async () => {
    const args = ["summary", "--timeout", "0", "--database-url", "postgres://127.0.0.1:1/none"];
    const en = await hrvend(args, "en");
    // Every command main.ts wires is checked above (simulate's options belong to the devices workspace).
    const mainHelp = await hrvend(["--help"], "en");
    const commands = mainHelp.stdout.split("Commands:\n")[1]?.split("\n\n")[0] ?? "";
    const listed = [...commands.matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]);
    const checked = TRANSLATED.map((f) => f(loadConfig({ HRVEND_LANG: "en" })).name());
    expect(listed.filter((n) => n !== "help" && n !== "simulate" && !checked.includes(n as string))).toEqual(
      [],
    );
    expect(listed.length).toBeGreaterThan(15);
    expect((await hrvend(["registry", "apply", MISSING], "en")).stderr).toBe(
      `hrvend: cannot read ${MISSING}: ENOENT\n`,
    );
    expect(en.code).toBe(1);
    expect(en.stderr).toContain("--timeout must be a number of seconds above 0, got '0'");
    for (const lang of LANGS_TRANSLATED) {
      const phrases = englishPhrases(lang);
      const [help, error, missing] = await Promise.all([
        hrvend(["--help"], lang),
        hrvend(args, lang),
        hrvend(["registry", "apply", MISSING], lang),
      ]);
      expect(help.code, `${lang} --help`).toBe(0);
      expect(found(help.stdout, phrases), `${lang}: hrvend --help`).toEqual([]);
      expect(error.code, `${lang} error`).toBe(1);
      expect(error.stderr).toMatch(/^hrvend: --timeout .*'0'\n$/);
      expect(found(error.stderr, phrases), `${lang}: the error`).toEqual([]);
      expect(missing.code, `${lang} missing file`).toBe(1);
      expect(missing.stderr).toBe(
        `hrvend: ${translator(lang, "cli")("errors.cannotRead", { file: MISSING, reason: "ENOENT" })}\n`,
      );
      expect(missing.stderr).not.toContain("cannot read");
    }
  }, 120_000);
});
