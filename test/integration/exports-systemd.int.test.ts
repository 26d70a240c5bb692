import { execFile, execFileSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

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
    const r = await promisify(execFile)(cmd, args, { env: { PATH: process.env["PATH"] ?? "", ...env } });
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

  it("refuses to run without its settings rather than export to the wrong place", async () => {
    const r = await run(SCRIPT, ["dhis2"], { HRVEND_EXPORT_TODAY: "2026-04-10" });
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/HRVEND_DHIS2_MAPPING: set HRVEND_DHIS2_MAPPING/);
  });
});
