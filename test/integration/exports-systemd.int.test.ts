import { execFile, execFileSync } from "node:child_process";
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { hrvend } from "../support/cli";
import { inheritedPath } from "../support/config";

/**
 * The scheduled exports' systemd units (infra/deploy/systemd/hrvend-export-*): systemd's own
 * `systemd-analyze verify` reads them as it would install them, a broken copy must fail it, the
 * timers fire in the first month of each quarter, and the script picks the quarter just ended.
 */

const SYSTEMD = fileURLToPath(new URL("../../infra/deploy/systemd/", import.meta.url));
const SCRIPT = join(SYSTEMD, "hrvend-export-quarter.sh");
const UNITS = ["report", "dhis2"].flatMap((k) => [`hrvend-export-${k}.service`, `hrvend-export-${k}.timer`]);
const dir = mkdtempSync(join(tmpdir(), "hrvend-export-units-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hasSystemdAnalyze = (() => {
  try {
    execFileSync("systemd-analyze", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

async function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  try {
    const r = await promisify(execFile)(cmd, args, { env: { PATH: inheritedPath(), ...env } });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

/** A unit as installed, but its ExecStart pointing into this checkout (verify checks the program exists). */
function installed(name: string, edit: (text: string) => string = (t) => t): string {
  const text = readFileSync(join(SYSTEMD, name), "utf8").replaceAll(
    "/opt/hrvend/infra/deploy/systemd/",
    SYSTEMD,
  );
  const path = join(dir, name);
  writeFileSync(path, edit(text));
  return path;
}

const setting = (name: string, key: string) =>
  readFileSync(join(SYSTEMD, name), "utf8")
    .split("\n")
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));

describe.runIf(hasSystemdAnalyze)("systemd-analyze verify", () => {
  it("accepts every export unit and timer", async () => {
    const r = await run("systemd-analyze", ["verify", ...UNITS.map((u) => installed(u))]);
    expect(r.out).toBe("");
    expect(r.code).toBe(0);
  });

  it("fails a broken copy (the check can fail)", async () => {
    const timer = installed("hrvend-export-dhis2.timer", (t) =>
      t.replace(/^OnCalendar=.*$/m, "OnCalendar=every full moon"),
    );
    const r = await run("systemd-analyze", ["verify", timer]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/Failed to parse calendar specification/);
  });

  it("the timers fire in the first month of each quarter, the report before the DHIS2 push", async () => {
    const next = async (timer: string) => {
      const [spec] = setting(timer, "OnCalendar");
      const r = await run("systemd-analyze", ["calendar", "--iterations=4", spec as string], { TZ: "UTC" });
      expect(r.code, r.out).toBe(0);
      return [...r.out.matchAll(/(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})/g)].map((m) => `${m[2]}-${m[3]}`);
    };
    const report = await next("hrvend-export-report.timer");
    const dhis2 = await next("hrvend-export-dhis2.timer");
    // Four consecutive firings: one in each of January, April, July and October, in some order.
    expect(report.map((d) => d.slice(0, 2)).sort()).toEqual(["01", "04", "07", "10"]);
    expect(dhis2.map((d) => d.slice(0, 2)).sort()).toEqual(["01", "04", "07", "10"]);
    // Same months; the report's day of the month comes before the push's.
    const day = (ds: string[]) => [...new Set(ds.map((d) => Number(d.slice(3))))];
    expect(day(report)).toHaveLength(1);
    expect(day(dhis2)).toHaveLength(1);
    expect(day(report)[0] as number).toBeLessThan(day(dhis2)[0] as number);
    for (const t of ["hrvend-export-report.timer", "hrvend-export-dhis2.timer"])
      expect(setting(t, "Persistent")).toEqual(["true"]);
  });
});

describe("hrvend-export-quarter.sh", () => {
  it("is executable and each unit starts it with a mode it knows", async () => {
    accessSync(SCRIPT, constants.X_OK);
    for (const k of ["report", "dhis2"])
      expect(setting(`hrvend-export-${k}.service`, "ExecStart")).toEqual([
        `/opt/hrvend/infra/deploy/systemd/hrvend-export-quarter.sh ${k}`,
      ]);
    const r = await run(SCRIPT, ["bogus"]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/usage: .* report\|dhis2\|period/);
  });

  it("picks the quarter before today's (the one that has just ended), across a year's end", async () => {
    // The quarter before the one holding `today`: quarters start in months 1, 4, 7 and 10.
    const previous = (today: string) => {
      const [y, m] = today.split("-").map(Number) as [number, number];
      const q = Math.floor((m - 1) / 3); // 0-based quarter of today
      const [py, pq] = q === 0 ? [y - 1, 4] : [y, q];
      const first = (pq - 1) * 3 + 1;
      const last = new Date(Date.UTC(py, first + 2, 0)).toISOString().slice(0, 10);
      return `${py}Q${pq} ${py}-${String(first).padStart(2, "0")}-01 ${last}`;
    };
    for (const today of [
      "2026-01-05",
      "2026-03-31",
      "2026-04-01",
      "2026-07-10",
      "2026-10-05",
      "2027-12-31",
    ]) {
      const r = await run(SCRIPT, ["period"], { HRVEND_EXPORT_TODAY: today });
      expect(r.code, r.out).toBe(0);
      expect(r.out.trim(), today).toBe(previous(today));
    }
  });

  it("never puts DATABASE_URL (the funder role's password) in a command line: the CLI gets it in its environment", async () => {
    // A stand-in release (HRVEND_HOME) whose CLI writes down each call's arguments and environment:
    // the command lines are what any local user reads in ps.
    const home = join(dir, "release");
    const calls = join(dir, "calls.jsonl");
    mkdirSync(join(home, "services/cli/bin"), { recursive: true });
    writeFileSync(
      join(home, "services/cli/bin/hrvend.js"),
      `require("node:fs").appendFileSync(${JSON.stringify(calls)}, JSON.stringify({ argv: process.argv.slice(2), url: process.env.DATABASE_URL }) + "\\n");`,
    );
    const url = "postgres://hrvend_funder:s3cret-Funder-pw@db.example:5432/hrvend";
    for (const mode of ["report", "dhis2"]) {
      const r = await run(SCRIPT, [mode], {
        HRVEND_HOME: home,
        HRVEND_EXPORT_TODAY: "2026-04-10",
        DATABASE_URL: url,
        HRVEND_REPORT_DIR: join(dir, "reports"),
        HRVEND_DHIS2_MAPPING: "/etc/hrvend/dhis2.json",
        HRVEND_DHIS2_URL: "https://dhis2.example",
      });
      expect(r.code, r.out).toBe(0);
    }
    const seen = readFileSync(calls, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { argv: string[]; url?: string });
    // report coverage, export figures xlsx and csv, export dhis2
    expect(seen.map((c) => c.argv.slice(0, 2).join(" "))).toEqual([
      "report coverage",
      "export figures",
      "export figures",
      "export dhis2",
    ]);
    for (const c of seen) {
      expect(c.argv.join(" ")).not.toContain("s3cret-Funder-pw");
      expect(c.argv).not.toContain("--database-url");
      expect(c.url).toBe(url);
    }
  });

  it("the CLI takes DATABASE_URL from its environment as --database-url's default (report, figures, dhis2)", async () => {
    // No local stack in this state dir: without DATABASE_URL each command says so; with it, each
    // connects to it (a port where nothing listens: refused).
    const env = { HRVEND_STATE_DIR: join(dir, "no-stack") };
    const url = { ...env, DATABASE_URL: "postgres://hrvend_funder:pw@127.0.0.1:1/hrvend" };
    const commands = [
      ["report", "coverage", "--from", "2026-01-01", "--to", "2026-03-31", "--format", "csv"],
      ["export", "figures", "--audience", "funder", "--from", "2026-01-01", "--to", "2026-03-31"],
      [
        "export",
        "dhis2",
        "--period",
        "2026Q1",
        "--mapping",
        "infra/deploy/dhis2/mapping.example.yaml",
        "--dry-run",
      ],
    ];
    for (const args of commands) {
      const without = await hrvend(args, env);
      expect(without.code, without.stderr).not.toBe(0);
      expect(without.stderr, args.join(" ")).toMatch(/no local stack is running|no --database-url/i);
      const withUrl = await hrvend(args, url);
      expect(withUrl.code, withUrl.stderr).not.toBe(0);
      expect(withUrl.stderr, args.join(" ")).toMatch(/ECONNREFUSED|127\.0\.0\.1:1|connect/i);
    }
  });

  it("refuses to run without its settings rather than export to the wrong place", async () => {
    const r = await run(SCRIPT, ["dhis2"], { HRVEND_EXPORT_TODAY: "2026-04-10" });
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/HRVEND_DHIS2_MAPPING: set HRVEND_DHIS2_MAPPING/);
  });
});
