import { execFile } from "node:child_process";
import { once } from "node:events";
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { publishIfBehind } from "@hrvend/coverage";
import { applyBatch } from "@hrvend/coverage/store";
import { newSecret } from "@hrvend/runtime";
import { createDb, withCredentials } from "@hrvend/runtime/db";
import type { HrEvent } from "@hrvend/schemas";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { hrvend } from "../support/cli";
import { inheritedPath } from "../support/config";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";
import { runSimulator } from "../support/simulator";

/**
 * `hrvend export dhis2` (issue #19) on a simulated first quarter of the pilot: the JSON and ADX
 * payloads must carry exactly the funder publication's figures, value by value as the funder role
 * reads them, nothing that disclosure control hides, and the ADX must validate against the ADX
 * schema (test/fixtures/dhis2/adx, xmllint). `--push` goes to a real HTTP receiver on loopback that
 * answers like DHIS2's /api/dataValueSets.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAPPING = join(ROOT, "infra/deploy/dhis2/mapping.example.yaml");
const XSD = join(ROOT, "test/fixtures/dhis2/adx/adx_loose.xsd");
const dir = mkdtempSync(join(tmpdir(), "hrvend-dhis2-"));
const iso = isolate("dhis2");
const unprotectedRole = `${iso.tag}_dhis2_national`;
let tdb: TestDatabase;
let funderUrl: string;

/** The mapping as a person wrote it (read independently of the code under test). */
interface MappingFile {
  dataSet: { id: string; code: string };
  orgUnits: Record<string, { id: string; code: string }>;
  figures: Record<
    string,
    {
      dataElement: { id: string; code: string };
      categoryOptionCombo?: { id: string };
      adxDisaggregation?: Record<string, string>;
    }
  >;
}
const mapping = parseYaml(readFileSync(MAPPING, "utf8")) as MappingFile;

/**
 * Each figure's column in funder.coverage and whether it is a count (README, "DHIS2 and scheduled
 * exports": counts are sent as integers, rates and estimates rounded to 2 decimals).
 */
const COLUMN: Record<string, [column: string, count: boolean]> = {
  nsp_clients: ["nsp_clients", true],
  nsp_reach_pct: ["nsp_reach_pct", false],
  nsp_regular: ["nsp_regular", true],
  regular_access_pct: ["regular_pct", false],
  syringes: ["syringes", true],
  syringes_per_pwid_year: ["syringes_per_pwid_year", false],
  naloxone_kits: ["naloxone_kits", true],
  naloxone_per_100_prisoners: ["naloxone_per_100_prisoners", false],
  naloxone_per_100_releases: ["naloxone_per_100_releases", false],
  oat_clients: ["oat_active_end", true],
  oat_reach_pct: ["oat_reach_pct", false],
  est_pwid: ["est_pwid", false],
  est_opioid_dependent: ["est_opioid_dependent", false],
};
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const asSent = (v: number, count: boolean) => (count ? String(v) : String(Math.round(v * 100) / 100));

type Row = Record<string, unknown> & { prison_id: string; suppressed: string[] };

/** What the funder role reads for a period (its own connection, not the exporter's code). */
async function funderRows(start: string, end: string): Promise<Row[]> {
  const funder = createDb(funderUrl, { max: 1 });
  try {
    const r = await sql<Row>`
      SELECT * FROM funder.coverage WHERE period_start = ${start}::date AND period_end = ${end}::date`.execute(
      funder,
    );
    return r.rows;
  } finally {
    await funder.destroy();
  }
}

interface Expected {
  /** `orgUnit|dataElement|categoryOptionCombo` → value, UIDs (dataValueSets JSON). */
  json: Map<string, string>;
  /** `orgUnit|dataElement|attrs` → value, codes (ADX). */
  adx: Map<string, string>;
  /** The hidden cells, as the keys they would have had. */
  hiddenJson: string[];
  hiddenAdx: string[];
}

const adxAttrs = (a: Record<string, string> | undefined) =>
  Object.entries(a ?? {})
    .sort()
    .map(([k, v]) => `${k}=${v}`)
    .join(",");

function expected(rows: Row[]): Expected {
  const out: Expected = { json: new Map(), adx: new Map(), hiddenJson: [], hiddenAdx: [] };
  for (const row of rows) {
    const ou = mapping.orgUnits[row.prison_id];
    if (!ou) throw new Error(`the example mapping has no organisation unit for ${row.prison_id}`);
    for (const [figure, target] of Object.entries(mapping.figures)) {
      const [column, count] = COLUMN[figure] as [string, boolean];
      const coc = target.categoryOptionCombo?.id ?? "HllvX50cXC0";
      const jk = `${ou.id}|${target.dataElement.id}|${coc}`;
      const ak = `${ou.code}|${target.dataElement.code}|${adxAttrs(target.adxDisaggregation)}`;
      if (row.suppressed.includes(camel(column))) {
        out.hiddenJson.push(jk);
        out.hiddenAdx.push(ak);
        continue;
      }
      const v = row[column];
      if (v === null || v === undefined) continue;
      out.json.set(jk, asSent(Number(v), count));
      out.adx.set(ak, asSent(Number(v), count));
    }
  }
  return out;
}

interface DataValueSet {
  dataSet: string;
  period: string;
  dataValues: {
    dataElement: string;
    categoryOptionCombo: string;
    orgUnit: string;
    period: string;
    value: string;
  }[];
}
const jsonValues = (d: DataValueSet) =>
  new Map(d.dataValues.map((v) => [`${v.orgUnit}|${v.dataElement}|${v.categoryOptionCombo}`, v.value]));

/** ADX groups and values, read with a plain attribute scan (the schema check is xmllint's). */
function adxValues(xml: string): { groups: Record<string, string>[]; values: Map<string, string> } {
  const attrs = (s: string) =>
    Object.fromEntries([...s.matchAll(/([\w:.-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
  const groups: Record<string, string>[] = [];
  const values = new Map<string, string>();
  for (const g of xml.matchAll(/<group ([^>]*)>([\s\S]*?)<\/group>/g)) {
    const ga = attrs(g[1] as string) as Record<string, string>;
    groups.push(ga);
    for (const dv of (g[2] as string).matchAll(/<dataValue ([^>]*?)\/>/g)) {
      const { dataElement, value, ...rest } = attrs(dv[1] as string) as Record<string, string>;
      const key = `${ga["orgUnit"]}|${dataElement}|${adxAttrs(rest)}`;
      if (values.has(key)) throw new Error(`ADX holds ${key} twice`);
      values.set(key, value as string);
    }
  }
  return { groups, values };
}

async function xmllint(file: string): Promise<{ code: number; out: string }> {
  try {
    const r = await promisify(execFile)("xmllint", ["--noout", "--nonet", "--schema", XSD, file]);
    return { code: 0, out: r.stderr };
  } catch (e) {
    const err = e as { code: number; stderr: string };
    return { code: err.code, out: err.stderr };
  }
}

const exportArgs = (period: string, ...more: string[]) => [
  "export",
  "dhis2",
  "--mapping",
  MAPPING,
  "--period",
  period,
  "--database-url",
  funderUrl,
  ...more,
];

beforeAll(async () => {
  tdb = await testDatabase(iso);
  funderUrl = tdb.roleUrl("hrvend_funder");
  // A simulated first quarter of the pilot (from 2026-01-05) and a few days more, through the
  // coverage store as the service applies it; then the service's publication step.
  const ledger = join(dir, "pilot.ledger.jsonl");
  const sim = runSimulator(
    [
      "--scenario",
      "pilot",
      "--days",
      "100",
      "--seed",
      "19",
      "--out",
      join(dir, "events.jsonl"),
      "--ledger",
      ledger,
    ],
    { HRVEND_DEPLOYMENT_SECRET: newSecret() },
  );
  const [code] = (await once(sim.child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`simulator failed:\n${sim.output()}`);
  const events: HrEvent[] = [];
  for await (const line of createInterface({
    input: createReadStream(ledger),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    if (!/"kind":"(dispense|census|oat|ref_prison|ref_item)"/.test(line)) continue;
    const f = JSON.parse(line) as { fact: string; event?: HrEvent };
    if (f.fact === "event" && f.event) events.push(f.event);
  }
  for (let i = 0; i < events.length; i += 2000) await applyBatch(tdb.db, events.slice(i, i + 2000), null);
  await publishIfBehind(tdb.db);
}, 600_000);

afterAll(async () => {
  await sql`DROP OWNED BY ${sql.id(unprotectedRole)}`.execute(tdb.db).catch(() => undefined);
  await sql`DROP ROLE IF EXISTS ${sql.id(unprotectedRole)}`.execute(tdb.db).catch(() => undefined);
  await tdb?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("hrvend export dhis2: the funder publication of a simulated quarter", () => {
  it("dataValueSets JSON carries exactly the funder figures, value by value, and no hidden cell", async () => {
    const rows = await funderRows("2026-01-01", "2026-03-31");
    expect(rows.map((r) => r.prison_id).sort()).toEqual(Object.keys(mapping.orgUnits).sort());
    const want = expected(rows);
    // The quarter has both: figures to send and cells disclosure control hides.
    expect(want.json.size).toBeGreaterThan(50);
    expect(want.hiddenJson.length).toBeGreaterThan(0);
    console.log(`2026Q1: ${want.json.size} values to send, ${want.hiddenJson.length} hidden cells left out`);

    const r = await hrvend(exportArgs("2026Q1", "--format", "json"));
    expect(r.stderr).toContain(`${want.json.size} values`);
    expect(r.stderr).toContain(`${want.hiddenJson.length} hidden by disclosure control`);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as DataValueSet;
    expect(d.dataSet).toBe(mapping.dataSet.id);
    expect(d.period).toBe("2026Q1");
    expect(new Set(d.dataValues.map((v) => v.period))).toEqual(new Set(["2026Q1"]));
    expect(d.dataValues.length).toBe(jsonValues(d).size); // no cell twice
    expect(jsonValues(d)).toEqual(want.json);
    for (const k of want.hiddenJson) expect(jsonValues(d).has(k), `hidden ${k} sent`).toBe(false);
  });

  it("a hidden cell's true value is nowhere in the payload for its cell, whatever its size", async () => {
    const rows = await funderRows("2026-01-01", "2026-03-31");
    const truth = await sql<Record<string, unknown>>`
      SELECT * FROM coverage.figure WHERE grain = 'quarter' AND period_start = '2026-01-01'`.execute(tdb.db);
    const d = JSON.parse((await hrvend(exportArgs("2026Q1"))).stdout) as DataValueSet;
    let checked = 0;
    for (const row of rows)
      for (const [figure, target] of Object.entries(mapping.figures)) {
        const [column] = COLUMN[figure] as [string, boolean];
        if (!row.suppressed.includes(camel(column))) continue;
        const real = truth.rows.find((t) => t["scope"] === row.prison_id)?.[column];
        expect(real, `${row.prison_id} ${column} has a true value behind [c]`).not.toBeNull();
        const sent = d.dataValues.filter(
          (v) => v.orgUnit === mapping.orgUnits[row.prison_id]?.id && v.dataElement === target.dataElement.id,
        );
        expect(sent, `${row.prison_id} ${figure}`).toEqual([]);
        checked++;
      }
    expect(checked).toBeGreaterThan(0);
  });

  it("ADX validates against the ADX schema and carries the same figures by code", async () => {
    const rows = await funderRows("2026-01-01", "2026-03-31");
    const want = expected(rows);
    const file = join(dir, "q1.adx.xml");
    const r = await hrvend(exportArgs("2026Q1", "--format", "adx", "--out", file));
    expect(r.code, r.stderr).toBe(0);
    const lint = await xmllint(file);
    expect(lint.code, lint.out).toBe(0);
    expect(lint.out).toContain("validates");
    const xml = readFileSync(file, "utf8");
    const { groups, values } = adxValues(xml);
    expect(values).toEqual(want.adx);
    for (const k of want.hiddenAdx) expect(values.has(k), `hidden ${k} sent`).toBe(false);
    for (const g of groups) {
      expect(g["period"]).toBe("2026-01-01/P3M");
      expect(g["dataSet"]).toBe(mapping.dataSet.code);
    }
    // The schema check can fail: the same document with a period DHIS2 would not read does not validate.
    const broken = join(dir, "broken.adx.xml");
    writeFileSync(broken, xml.replace(/period="2026-01-01\/P3M"/, 'period="2026Q1"'));
    expect((await xmllint(broken)).code).not.toBe(0);
  });

  it("an open year is refused; a quarter without figures says so", async () => {
    // 2026 has not ended on a clock before 2027: refused as an open period; 2025 has no figures.
    const open = await hrvend(exportArgs("2026"));
    if (new Date().toISOString().slice(0, 10) <= "2026-12-31") {
      expect(open.code).toBe(1);
      expect(open.stderr).toMatch(/2026 has not ended \(its last day is 2026-12-31\)/);
    } else expect(open.code).toBe(0);
    const none = await hrvend(exportArgs("2025Q4"));
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no published figures for 2025Q4/);
  });
});

describe("hrvend export dhis2: what must not leave", () => {
  it("a month or a week is refused: finer than the funder publication", async () => {
    for (const p of ["202602", "2026W06"]) {
      const r = await hrvend(exportArgs(p));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /the funder publication, the only figures that leave hrvend protected, has quarters and years/,
      );
      expect(r.stdout).toBe("");
    }
    const r = await hrvend(exportArgs("202602", "--unprotected"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/names no role allowed to send unprotected figures \(unprotected\.role\)/);
  });

  it("unprotected figures go only as the role the mapping names, and only if the database lets it read them", async () => {
    const m = join(dir, "unprotected.yaml");
    writeFileSync(
      m,
      `${readFileSync(MAPPING, "utf8")}\nunprotected:\n  role: ${unprotectedRole}\n  reason: national HIV programme, test agreement\n`,
    );
    const args = (url: string) => [
      "export",
      "dhis2",
      "--mapping",
      m,
      "--period",
      "202602",
      "--unprotected",
      "--database-url",
      url,
    ];
    // The role does not exist yet.
    let r = await hrvend(args(funderUrl));
    expect(r.stderr).toMatch(new RegExp(`'${unprotectedRole}' is not a role of this database`));
    await sql`CREATE ROLE ${sql.id(unprotectedRole)} LOGIN PASSWORD ${sql.lit(iso.servers.rolePassword)}`.execute(
      tdb.db,
    );
    // The funder's login is not that role.
    r = await hrvend(args(funderUrl));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `connected as 'hrvend_funder', but the mapping allows unprotected figures only to role '${unprotectedRole}'`,
      ),
    );
    // The named role without a grant: the database refuses.
    const url = withCredentials(tdb.adminUrl, unprotectedRole, iso.servers.rolePassword);
    r = await hrvend(args(url));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/this role may not read the unprotected figures \(coverage\.figure\)/);
    // Granted by a DBA: February's unprotected figures, small counts included, as coverage.figure holds them.
    await sql`GRANT USAGE ON SCHEMA coverage TO ${sql.id(unprotectedRole)}`.execute(tdb.db);
    await sql`GRANT SELECT ON coverage.figure TO ${sql.id(unprotectedRole)}`.execute(tdb.db);
    r = await hrvend(args(url));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/202602 \(UNPROTECTED, as /);
    const truth = await sql<Record<string, unknown>>`
      SELECT *, scope AS prison_id, ARRAY[]::text[] AS suppressed FROM coverage.figure
      WHERE grain = 'month' AND period_start = '2026-02-01'`.execute(tdb.db);
    const want = expected(truth.rows as Row[]);
    const d = JSON.parse(r.stdout) as DataValueSet;
    expect(d.period).toBe("202602");
    expect(jsonValues(d)).toEqual(want.json);
  });

  it("a period that has not ended is refused before anything is read", async () => {
    const r = await hrvend(exportArgs("2099Q1"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/2099Q1 has not ended/);
  });

  it("a mapping error names its path; a prison without an organisation unit is named", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, readFileSync(MAPPING, "utf8").replace(/code: HRV_SYRINGES }/, "code: HRV SYRINGES }"));
    let r = await hrvend([
      "export",
      "dhis2",
      "--mapping",
      bad,
      "--period",
      "2026Q1",
      "--database-url",
      funderUrl,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/figures\.syringes\.dataElement\.code: a DHIS2 code/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const partial = join(dir, "partial.yaml");
    writeFileSync(partial, readFileSync(MAPPING, "utf8").replace(/^ {2}md-p7: .*$/m, ""));
    r = await hrvend([
      "export",
      "dhis2",
      "--mapping",
      partial,
      "--period",
      "2026Q1",
      "--database-url",
      funderUrl,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/prison md-p7 has figures for 2026Q1 but no organisation unit in the mapping/);
  });
});

describe("hrvend export dhis2 --push: a real HTTP receiver answering like DHIS2", () => {
  interface Received {
    method: string;
    url: string;
    headers: IncomingMessage["headers"];
    body: string;
  }
  const TOKEN = `d2pat_${newSecret()}`;
  let server: Server;
  let base: string;
  const received: Received[] = [];
  let answer: "summary" | "conflict" = "summary";

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
        res.setHeader("Content-Type", "application/json");
        if (req.headers.authorization !== `ApiToken ${TOKEN}`) {
          res.statusCode = 401;
          res.end(
            JSON.stringify({
              httpStatus: "Unauthorized",
              httpStatusCode: 401,
              status: "ERROR",
              message: "Unauthorized",
            }),
          );
          return;
        }
        const n = req.headers["content-type"]?.startsWith("application/adx+xml")
          ? (body.match(/<dataValue /g) ?? []).length
          : (JSON.parse(body) as DataValueSet).dataValues.length;
        const conflict = answer === "conflict";
        res.statusCode = conflict ? 409 : 200;
        res.end(
          JSON.stringify({
            httpStatus: conflict ? "Conflict" : "OK",
            httpStatusCode: conflict ? 409 : 200,
            status: conflict ? "WARNING" : "OK",
            message: conflict
              ? "One more conflicts encountered, please check import summary."
              : "Import was successful.",
            response: {
              responseType: "ImportSummary",
              status: conflict ? "WARNING" : "SUCCESS",
              description: conflict ? undefined : "Import process completed successfully",
              importCount: {
                imported: conflict ? n - 1 : n,
                updated: 0,
                ignored: conflict ? 1 : 0,
                deleted: 0,
              },
              conflicts: conflict
                ? [{ object: "HRV_SYRINGES", objects: {}, value: "Data element not found or not accessible" }]
                : [],
            },
          }),
        );
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("JSON: POST /api/dataValueSets with the token from the environment; DHIS2's import summary is printed", async () => {
    const payload = (await hrvend(exportArgs("2026Q1"))).stdout;
    received.length = 0;
    const r = await hrvend(exportArgs("2026Q1", "--push", base), { HRVEND_DHIS2_TOKEN: TOKEN });
    expect(r.code, r.stderr).toBe(0);
    expect(received).toHaveLength(1);
    const req = received[0] as Received;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("/api/dataValueSets");
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers.authorization).toBe(`ApiToken ${TOKEN}`);
    expect(JSON.parse(req.body)).toEqual(JSON.parse(payload));
    const n = (JSON.parse(payload) as DataValueSet).dataValues.length;
    expect(r.stdout).toContain(
      `DHIS2 import SUCCESS (HTTP 200): ${n} imported, 0 updated, 0 ignored, 0 deleted`,
    );
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it("ADX: the ADX content type and code id schemes; --json prints the summary as data", async () => {
    received.length = 0;
    const r = await hrvend(exportArgs("2026Q1", "--format", "adx", "--push", `${base}/api/`, "--json"), {
      HRVEND_DHIS2_TOKEN: TOKEN,
    });
    expect(r.code, r.stderr).toBe(0);
    const req = received[0] as Received;
    expect(req.headers["content-type"]).toBe("application/adx+xml");
    expect(req.url).toBe("/api/dataValueSets?dataElementIdScheme=CODE&orgUnitIdScheme=CODE&idScheme=CODE");
    const summary = JSON.parse(r.stdout) as { status: string; importCount: { imported: number } };
    expect(summary.status).toBe("SUCCESS");
    expect(summary.importCount.imported).toBe((req.body.match(/<dataValue /g) ?? []).length);
  });

  it("a conflict or a refused token fails the command with DHIS2's words", async () => {
    answer = "conflict";
    let r = await hrvend(exportArgs("2026Q1", "--push", base), { HRVEND_DHIS2_TOKEN: TOKEN });
    answer = "summary";
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/DHIS2 import WARNING \(HTTP 409\): \d+ imported, 0 updated, 1 ignored/);
    expect(r.stdout).toContain("conflict: HRV_SYRINGES: Data element not found or not accessible");
    r = await hrvend(exportArgs("2026Q1", "--push", base), { HRVEND_DHIS2_TOKEN: "d2pat_wrong" });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/DHIS2 import ERROR \(HTTP 401\)/);
    expect(r.stdout + r.stderr).not.toContain("d2pat_wrong");
  });

  it("the scheduled job (hrvend-export-quarter.sh dhis2) pushes the quarter just ended", async () => {
    const payload = JSON.parse((await hrvend(exportArgs("2026Q1"))).stdout) as DataValueSet;
    received.length = 0;
    const r = await promisify(execFile)(
      join(ROOT, "infra/deploy/systemd/hrvend-export-quarter.sh"),
      ["dhis2"],
      {
        env: {
          PATH: inheritedPath(),
          HRVEND_HOME: ROOT,
          // The timer fires on the 10th of April: the quarter just ended is 2026Q1.
          HRVEND_EXPORT_TODAY: "2026-04-10",
          DATABASE_URL: funderUrl,
          HRVEND_DHIS2_URL: base,
          HRVEND_DHIS2_MAPPING: MAPPING,
          HRVEND_DHIS2_TOKEN: TOKEN,
        },
      },
    );
    expect(r.stdout).toContain(`DHIS2 import SUCCESS (HTTP 200): ${payload.dataValues.length} imported`);
    expect(received).toHaveLength(1);
    expect(JSON.parse((received[0] as Received).body)).toEqual(payload);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it("refuses without a token, over clear text to another host, and --dry-run sends nothing", async () => {
    received.length = 0;
    let r = await hrvend(exportArgs("2026Q1", "--push", base));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--push needs a DHIS2 personal access token in HRVEND_DHIS2_TOKEN/);
    r = await hrvend(exportArgs("2026Q1", "--push", "http://dhis2.invalid"), { HRVEND_DHIS2_TOKEN: TOKEN });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the token would travel in clear text; use https/);
    r = await hrvend(exportArgs("2026Q1", "--push", base, "--dry-run"), { HRVEND_DHIS2_TOKEN: TOKEN });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^POST ${base}/api/dataValueSets\\nContent-Type: application/json\\n`),
    );
    expect(r.stdout).toContain("Authorization: ApiToken (from HRVEND_DHIS2_TOKEN, set; not shown)");
    expect(r.stdout).not.toContain(TOKEN);
    expect(received).toHaveLength(0);
  });
});
