import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { describe, expect, it } from "vitest";
import {
  commandPath,
  conventionIso,
  deprecatedAlias,
  EXIT,
  errorReport,
  exitCodeOf,
  formatOf,
  jsonFormatOption,
  localIso,
  reasonOf,
  throwOnUsageErrors,
  utcIso,
} from "./conventions";

/** Parses argv with `cmd`, capturing what the action would get, without running anything else. */
async function optsOf(cmd: Command, argv: string[]): Promise<Record<string, unknown>> {
  let got: Record<string, unknown> = {};
  cmd.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  cmd.action((o: Record<string, unknown>) => {
    got = o;
  });
  await cmd.parseAsync(argv, { from: "user" });
  return got;
}

describe("deprecated option names", () => {
  const dbCommand = (warnings: string[], lang = "en") =>
    deprecatedAlias(
      new Command("migrate").option("--database-url <url>", "PostgreSQL URL"),
      "--url <url>",
      "--database-url",
      { lang, warn: (l) => warnings.push(l) },
    );

  it("given the old name, then one warning line naming the new one and the value under the new name", async () => {
    const warnings: string[] = [];
    const o = await optsOf(dbCommand(warnings), ["--url", "postgres://h/db"]);
    expect(o["databaseUrl"]).toBe("postgres://h/db");
    expect(warnings).toEqual(["hrvend: --url is deprecated, use --database-url"]);
  });

  it("given the new name, then no warning", async () => {
    const warnings: string[] = [];
    const o = await optsOf(dbCommand(warnings), ["--database-url", "postgres://h/db"]);
    expect(o["databaseUrl"]).toBe("postgres://h/db");
    expect(warnings).toEqual([]);
  });

  it("given both, in either order, then the new name wins", async () => {
    for (const argv of [
      ["--url", "postgres://old", "--database-url", "postgres://new"],
      ["--database-url", "postgres://new", "--url", "postgres://old"],
    ]) {
      const o = await optsOf(dbCommand([]), argv);
      expect(o["databaseUrl"], argv.join(" ")).toBe("postgres://new");
    }
  });

  it("given a required option, then its old name satisfies it", async () => {
    const warnings: string[] = [];
    const cmd = deprecatedAlias(
      new Command("apply-access").requiredOption("--grafana-url <url>", "Grafana"),
      "--url <url>",
      "--grafana-url",
      { warn: (l) => warnings.push(l) },
    );
    const o = await optsOf(cmd, ["--url", "https://g:3000"]);
    expect(o["grafanaUrl"]).toBe("https://g:3000");
    expect(warnings).toHaveLength(1);
  });

  it("the old name is hidden from --help; the warning follows the language", async () => {
    const warnings: string[] = [];
    const cmd = dbCommand(warnings, "ro");
    expect(cmd.helpInformation()).toContain("--database-url");
    expect(cmd.helpInformation()).not.toContain("--url");
    await optsOf(cmd, ["--url", "x"]);
    expect(warnings).toEqual(["hrvend: --url este învechit, folosiți --database-url"]);
  });

  it("given no option of the new name, then wiring fails at once", () => {
    expect(() => deprecatedAlias(new Command("x"), "--url <url>", "--database-url")).toThrow(/no option/);
  });
});

describe("--json beside --format", () => {
  const cmd = () =>
    new Command("restock-plan")
      .addOption(new Option("--format <format>").choices(["table", "csv", "json"]).default("table"))
      .addOption(jsonFormatOption("en"));

  it("given --json, then the format is json, whatever --format says; without it --format's", async () => {
    expect(formatOf((await optsOf(cmd(), ["--json"])) as { format: string; json?: boolean })).toBe("json");
    expect(
      formatOf((await optsOf(cmd(), ["--format", "csv", "--json"])) as { format: string; json?: boolean }),
    ).toBe("json");
    expect(formatOf((await optsOf(cmd(), ["--format", "csv"])) as { format: string; json?: boolean })).toBe(
      "csv",
    );
    expect(formatOf((await optsOf(cmd(), [])) as { format: string; json?: boolean })).toBe("table");
  });
});

describe("errors: one line, no stack unless debugging", () => {
  it("given an error, then `hrvend: <message>` on one line and no stack", () => {
    const e = new Error("cannot read /x.yaml: ENOENT");
    expect(errorReport(e, false)).toBe("hrvend: cannot read /x.yaml: ENOENT\n");
  });

  it("given a message over several lines (a list of problems), then each line kept, blank ones dropped, no stack", () => {
    const out = errorReport(
      new Error("not caught up after 900 s:\n  stock is 12 behind\n\n  coverage is 3 behind\n"),
      false,
    );
    expect(out).toBe("hrvend: not caught up after 900 s:\n  stock is 12 behind\n  coverage is 3 behind\n");
    expect(out).not.toMatch(/\n\s+at /);
  });

  it("given an error without a message (Node's connection errors), then what it carries", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    const agg = new AggregateError([refused, refused], "");
    expect(reasonOf(agg)).toBe("connect ECONNREFUSED 127.0.0.1:1");
    const coded = Object.assign(new Error(""), { code: "ETIMEDOUT" });
    expect(reasonOf(coded)).toBe("ETIMEDOUT");
    expect(reasonOf("plain words")).toBe("plain words");
    expect(reasonOf({ why: 1 })).toBe('{"why":1}');
  });

  it("given a bare system or database error, then the command that failed before it; the CLI's own errors as they are", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), {
      code: "ECONNREFUSED",
      syscall: "connect",
    });
    expect(errorReport(refused, false, "access list")).toBe(
      "hrvend: access list: connect ECONNREFUSED 127.0.0.1:5432\n",
    );
    const pg = Object.assign(new Error('relation "reorder.prison" does not exist'), {
      code: "42P01",
      severity: "ERROR",
    });
    expect(errorReport(pg, false, "summary")).toBe(
      'hrvend: summary: relation "reorder.prison" does not exist\n',
    );
    expect(errorReport(new Error("cannot read x.yaml: ENOENT"), false, "registry apply")).toBe(
      "hrvend: cannot read x.yaml: ENOENT\n",
    );
    expect(errorReport(refused, false)).toBe("hrvend: connect ECONNREFUSED 127.0.0.1:5432\n");
  });

  it("the command path names the subcommand below the program", () => {
    const program = new Command("hrvend");
    const access = program.command("access");
    const list = access.command("list");
    expect(commandPath(list)).toBe("access list");
    expect(commandPath(access)).toBe("access");
  });

  it("given HRVEND_DEBUG, then the stack and its cause's follow the line", () => {
    const cause = new Error("relation does not exist");
    const e = new Error("the reorder tables are missing", { cause });
    const out = errorReport(e, true);
    expect(out.startsWith("hrvend: the reorder tables are missing\n")).toBe(true);
    expect(out).toContain("    at ");
    expect(out).toContain("caused by:");
    expect(out).toContain("relation does not exist");
    expect(errorReport(e, false)).not.toContain("    at ");
  });
});

describe("exit codes", () => {
  it("maps: a failure 1, a usage error commander found 2, help and --version 0", async () => {
    expect(exitCodeOf(new Error("boom"))).toBe(EXIT.error);
    expect(exitCodeOf(new CommanderError(1, "commander.unknownOption", "unknown option"))).toBe(EXIT.usage);
    expect(exitCodeOf(new CommanderError(0, "commander.helpDisplayed", "(outputHelp)"))).toBe(EXIT.ok);
    expect(exitCodeOf(new CommanderError(0, "commander.version", "0.1.0"))).toBe(EXIT.ok);
    expect([EXIT.ok, EXIT.error, EXIT.usage, EXIT.down]).toEqual([0, 1, 2, 3]);
  });

  it("given usage errors on a subcommand, then commander throws (no exit) and they map to 2", async () => {
    const program = new Command("hrvend").configureOutput({ writeErr: () => {}, writeOut: () => {} });
    const sub = new Command("status")
      .option("--limit <n>", "n", (v) => {
        if (!/^\d+$/.test(v)) throw new InvalidArgumentError("not a number");
        return Number(v);
      })
      .action(() => {});
    sub.configureOutput({ writeErr: () => {}, writeOut: () => {} });
    program.addCommand(sub);
    throwOnUsageErrors(program);
    for (const argv of [["status", "--bogus"], ["status", "--limit", "x"], ["nosuch"]]) {
      const e = await program.parseAsync(argv, { from: "user" }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e, argv.join(" ")).toBeInstanceOf(CommanderError);
      expect(exitCodeOf(e), argv.join(" ")).toBe(2);
    }
  });
});

describe("one time convention", () => {
  it("a prison's time: local with its offset, across the DST change", () => {
    // Moldova moves its clocks from 02:00 to 03:00 local (00:00 UTC) on 29 March 2026.
    expect(localIso("2026-03-28T23:30:00Z", "Europe/Chisinau")).toBe("2026-03-29T01:30+02:00");
    expect(localIso("2026-03-29T00:30:00Z", "Europe/Chisinau")).toBe("2026-03-29T03:30+03:00");
    expect(localIso("2026-03-29T01:00:00Z", "Europe/Chisinau")).toBe("2026-03-29T04:00+03:00");
    expect(localIso("2026-03-29T01:00:07Z", "Europe/Chisinau", "second")).toBe("2026-03-29T04:00:07+03:00");
    expect(localIso("2026-01-15T12:00:00Z", "America/New_York")).toBe("2026-01-15T07:00-05:00");
    expect(localIso("2026-01-15T12:00:00Z", "Asia/Kolkata")).toBe("2026-01-15T17:30+05:30");
    expect(localIso("2026-01-15T12:00:00Z", "UTC")).toBe("2026-01-15T12:00+00:00");
  });

  it("local midnight is 00, not 24", () => {
    expect(localIso("2026-03-01T22:00:00Z", "Europe/Chisinau")).toBe("2026-03-02T00:00+02:00");
  });

  it("a time of no prison: UTC with Z; the same instant either way", () => {
    expect(utcIso("2026-03-29T01:00:00.000Z")).toBe("2026-03-29T01:00Z");
    expect(utcIso(Date.UTC(2026, 2, 29, 1, 0, 7), "second")).toBe("2026-03-29T01:00:07Z");
    expect(conventionIso("2026-03-29T01:00:00Z", null)).toBe("2026-03-29T01:00Z");
    const local = conventionIso("2026-03-29T01:00:00Z", "Europe/Chisinau", "second");
    expect(Date.parse(local)).toBe(Date.parse("2026-03-29T01:00:00Z"));
  });
});
