import { once } from "node:events";
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { publishIfBehind } from "@hrvend/coverage";
import { applyBatch } from "@hrvend/coverage/store";
import { withConnection } from "@hrvend/dashboards";
import { newSecret } from "@hrvend/runtime";
import { createDb } from "@hrvend/runtime/db";
import type { HrEvent } from "@hrvend/schemas";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hrvend } from "../support/cli";
import {
  type AuditResult,
  auditPublication,
  type FunderRow,
  type TrueCounts,
} from "../support/coverage-audit";
import { coverageFromLedger, type LedgerFigure } from "../support/coverage-ledger";
import { checkFunderSymbols } from "../support/funder-symbols";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";
import type { Fact } from "../support/ledger";
import { reconcileCoverage } from "../support/reconcile";
import { runSimulator } from "../support/simulator";

/**
 * Disclosure control of the funder publication, tried as a determined reader would
 * (services/coverage/README.md, "Disclosure control"): a simulated year of the pilot and a year of
 * five tiny prisons go through the coverage store, the service publishes, and the attacker's
 * audit (test/support/coverage-audit.ts, a linear program over everything the funder role reads)
 * must find every small count hidden with its interval still containing 0 and the threshold; a
 * planted leak must make it fail.
 */

const THRESHOLD = 5;
const SYRINGES_PER_KIT = 10; // devices/scenarios: the syringe kit holds 10 syringes.
const dir = mkdtempSync(join(tmpdir(), "hrvend-disclosure-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  tdb: TestDatabase;
  facts: Fact[];
  reference: Map<string, LedgerFigure>;
  read(): Promise<FunderRow[]>;
  audit(rows?: FunderRow[]): Promise<AuditResult>;
}

/** The coverage events of a ledger (the other kinds, mostly heartbeats, are skipped before parsing). */
async function coverageFacts(path: string): Promise<Fact[]> {
  const out: Fact[] = [];
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (!/"kind":"(dispense|census|oat|ref_prison|ref_item)"/.test(line)) continue;
    const f = JSON.parse(line) as Fact & { event?: HrEvent };
    if (f.fact === "event" && f.event) out.push(f);
  }
  return out;
}

async function simulateAndPublish(
  tdb: TestDatabase,
  label: string,
  scenario: string,
  days: number,
): Promise<Run> {
  const ledger = join(dir, `${label}.ledger.jsonl`);
  const sim = runSimulator(
    [
      "--scenario",
      scenario,
      "--days",
      String(days),
      "--seed",
      "11",
      "--out",
      join(dir, `${label}.events.jsonl`),
      "--ledger",
      ledger,
    ],
    { HRVEND_DEPLOYMENT_SECRET: newSecret() },
  );
  const [code] = (await once(sim.child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`simulator failed:\n${sim.output()}`);
  const facts = await coverageFacts(ledger);
  const events = facts.map((f) => (f as unknown as { event: HrEvent }).event);
  for (let i = 0; i < events.length; i += 2000) await applyBatch(tdb.db, events.slice(i, i + 2000), null);
  await publishIfBehind(tdb.db);
  const reference = new Map(
    coverageFromLedger(facts).map((f) => [`${f.grain}|${f.periodStart}|${f.scope}`, f] as const),
  );
  const read = async () => {
    // Through the funder role's own connection: what a funder can read, not the service's code.
    const funder = createDb(tdb.roleUrl("hrvend_funder"), { max: 1 });
    try {
      const r = await sql<FunderRow>`
        SELECT *, period_start::text AS period_start, period_end::text AS period_end FROM funder.coverage`.execute(
        funder,
      );
      return r.rows;
    } finally {
      await funder.destroy();
    }
  };
  const truth = (r: FunderRow): TrueCounts | undefined =>
    reference.get(`${r.grain}|${r.period_start}|${r.prison_id}`);
  return {
    tdb,
    facts,
    reference,
    read,
    audit: async (rows?: FunderRow[]) =>
      auditPublication(rows ?? (await read()), truth, THRESHOLD, SYRINGES_PER_KIT),
  };
}

const describeAudit = (r: AuditResult) => {
  const small = r.intervals.filter((c) => c.small);
  const tightest = small.reduce((a, c) => Math.min(a, c.max - c.needs), Number.POSITIVE_INFINITY);
  return `${r.rows} rows, ${r.cells} published counts, ${r.hidden} hidden (${r.small} below the threshold), smallest margin above the promise ${tightest.toFixed(2)}`;
};

let pilot: Run;
let tiny: Run;
beforeAll(async () => {
  // One after the other: migrations create cluster-wide roles.
  const dbs = [await testDatabase(isolate("discpilot")), await testDatabase(isolate("disctiny"))] as const;
  [pilot, tiny] = await Promise.all([
    simulateAndPublish(dbs[0], "pilot", "pilot", 365),
    simulateAndPublish(dbs[1], "tiny", join(import.meta.dirname, "../../devices/scenarios/tiny.json"), 365),
  ]);
}, 600_000);
afterAll(async () => {
  await pilot?.tdb.close();
  await tiny?.tdb.close();
});

describe("funder publication under disclosure control (attacker's LP audit)", () => {
  it("the figures behind the publication equal the ledger's reference, regular access included", async () => {
    for (const run of [pilot, tiny])
      expect(await reconcileCoverage(run.tdb.db, run.facts)).toBeGreaterThan(1000);
    // Regular access: quarters and years only, over the windows observed; the pilot starts on
    // 2026-01-05, so Q1's first window (1–30 January) is not observed and Q1 has two windows.
    const q1 = pilot.reference.get("quarter|2026-01-01|*");
    expect(q1?.nspRegular).toBeGreaterThan(0);
    expect(q1?.nspRegular).toBeLessThan(q1?.nspClients ?? 0);
    expect(pilot.reference.get("month|2026-03-01|*")?.nspRegular).toBeNull();
    // The year ends after 365 days on 2027-01-04: 2027's days are too few for two windows.
    expect(pilot.reference.get("year|2027-01-01|*")?.nspRegular ?? null).toBeNull();
  });

  it("a simulated year of the pilot: every small count hidden, none narrowed below [0, threshold]", async () => {
    const rows = await pilot.read();
    expect(new Set(rows.map((r) => r.grain))).toEqual(new Set(["quarter", "year"]));
    const result = await pilot.audit(rows);
    console.log(`pilot, 365 days: ${describeAudit(result)}`);
    expect(result.failures).toEqual([]);
    expect(result.small).toBeGreaterThan(0);
    // The quarter's headline stays readable: every prison's NSP clients in 2026 Q2.
    const q2 = rows.filter((r) => r.grain === "quarter" && r.period_start === "2026-04-01");
    expect(q2.filter((r) => r.nsp_clients !== null).length).toBe(9);
  });

  it("five tiny prisons (a handful of clients each): every small count hidden, none narrowed below [0, threshold]", async () => {
    const result = await tiny.audit();
    console.log(`tiny prisons, 365 days: ${describeAudit(result)}`);
    expect(result.failures).toEqual([]);
    expect(result.small).toBeGreaterThan(30);
  });

  const camelOf = (snake: string) => snake.replace(/_([a-z])/g, (_, x: string) => x.toUpperCase());
  const clone = (rows: readonly FunderRow[]) => rows.map((r) => ({ ...r, suppressed: [...r.suppressed] }));
  const reveal = (rs: FunderRow[], key: string, value: number) => {
    const [grain, start, scope, column] = key.split("|") as [string, string, string, keyof FunderRow];
    const r = rs.find(
      (x) => x.grain === grain && x.period_start === start && x.prison_id === scope,
    ) as FunderRow;
    (r as unknown as Record<string, unknown>)[column] = value;
    r.suppressed = r.suppressed.filter((c) => c !== camelOf(String(column)));
  };
  /** A hidden cell whose publication narrows another small count (complements tried first). */
  async function leakingCell(rows: FunderRow[], base: AuditResult) {
    const order = [...base.intervals.filter((c) => !c.small), ...base.intervals.filter((c) => c.small)];
    for (const c of order) {
      const rs = clone(rows);
      reveal(rs, c.key, c.value);
      const narrowed = (await tiny.audit(rs)).failures.filter(
        (f) => /narrowed to/.test(f) && !f.startsWith(`${c.key} `),
      );
      if (narrowed.length > 0) return { cell: c, narrowed };
    }
    return undefined;
  }

  it("the audit fails on a planted leak: one hidden cell unsuppressed in the database, read through the funder role", async () => {
    const rows = await tiny.read();
    const found = await leakingCell(rows, await tiny.audit(rows));
    expect(found, "some hidden cell protects another small count").toBeDefined();
    const [grain, start, scope, column] = (found?.cell.key ?? "").split("|") as [
      string,
      string,
      string,
      string,
    ];
    await sql`
      UPDATE coverage.published SET ${sql.ref(column)} = ${found?.cell.value}, suppressed = array_remove(suppressed, ${camelOf(column)})
      WHERE grain = ${grain} AND period_start = ${start}::date AND scope = ${scope}`.execute(tiny.tdb.db);
    try {
      const leaked = await tiny.audit();
      console.log(
        `planted: ${found?.cell.key} = ${found?.cell.value} shown; the audit finds ${leaked.failures.join("; ")}`,
      );
      expect(
        leaked.failures.filter((f) => /narrowed to/.test(f) && !f.startsWith(`${found?.cell.key} `)),
      ).toEqual(found?.narrowed);
    } finally {
      await sql`UPDATE coverage.publish_state SET figure_revision = figure_revision + 1`.execute(tiny.tdb.db);
      await publishIfBehind(tiny.tdb.db);
    }
    expect((await tiny.audit()).failures).toEqual([]);
  });

  it("the audit fails on other plants: a rate next to a hidden count, extra totals", async () => {
    const rows = await tiny.read();
    const base = await tiny.audit(rows);
    expect(base.failures).toEqual([]);
    // A rate shown next to its hidden count.
    const small = base.intervals.find((c) => c.small && c.key.endsWith("|nsp_clients"));
    expect(small).toBeDefined();
    if (small) {
      const rs = clone(rows);
      const [grain, start, scope] = small.key.split("|");
      const r = rs.find(
        (x) => x.grain === grain && x.period_start === start && x.prison_id === scope,
      ) as FunderRow;
      r.nsp_reach_pct = (100 * small.value) / (r.est_pwid ?? 1);
      r.suppressed = r.suppressed.filter((c) => c !== "nspReachPct");
      const f = (await tiny.audit(rs)).failures;
      expect(f.some((x) => /computed from a hidden count/.test(x))).toBe(true);
      expect(f.some((x) => /narrowed to/.test(x))).toBe(true);
    }
    // Extra totals: the months of a quarter whose small count is hidden, published for that
    // one column (funders get no months): the months add up to the quarter and give it away.
    const additive = base.intervals.find(
      (c) => c.small && c.key.startsWith("quarter|") && /\|(naloxone_kits|syringes)$/.test(c.key),
    );
    expect(additive, "a small additive quarter count to plant months against").toBeDefined();
    const [, qStart, scope, column] = (additive?.key ?? "").split("|") as [string, string, string, string];
    const quarterRow = rows.find(
      (r) => r.grain === "quarter" && r.period_start === qStart && r.prison_id === scope,
    ) as FunderRow;
    const hiddenRow = (r: FunderRow): FunderRow => ({
      ...r,
      nsp_clients: null,
      nsp_regular: null,
      syringes: null,
      naloxone_kits: null,
      oat_active_end: null,
      nsp_reach_pct: null,
      regular_pct: null,
      syringes_per_pwid_year: null,
      syringe_band: null,
      naloxone_per_100_prisoners: null,
      naloxone_per_100_releases: null,
      oat_reach_pct: null,
      oat_band: null,
      suppressed: ["nspClients", "nspRegular", "syringes", "naloxoneKits", "oatActiveEnd"],
    });
    const months = [...tiny.reference.values()].filter(
      (f) =>
        f.scope === scope &&
        f.grain === "month" &&
        f.periodStart >= qStart &&
        f.periodEnd <= quarterRow.period_end,
    );
    expect(months.length).toBeGreaterThan(0);
    const camel = column.replace(/_([a-z])/g, (_, x: string) => x.toUpperCase()) as keyof LedgerFigure;
    const planted = [
      ...clone(rows),
      ...months.map((m) => ({
        ...hiddenRow(quarterRow),
        grain: "month",
        period_start: m.periodStart,
        period_end: m.periodEnd,
        [column]: m[camel],
        suppressed: hiddenRow(quarterRow).suppressed.filter((c) => c !== camel),
      })),
    ];
    const f = (await tiny.audit(planted)).failures;
    expect(f.some((x) => x.startsWith(`${additive?.key} `) && /narrowed to/.test(x))).toBe(true);
  });

  it("what funders read shows one symbol for every hidden value and '–' / empty / null for undefined ones (report JSON, CSV, HTML, dashboards, preview)", async () => {
    const report = async (format: string, from: string, to: string, grain = "quarter") => {
      const r = await hrvend([
        ...["report", "coverage", "--from", from, "--to", to, "--grain", grain, "--format", format],
        ...["--database-url", tiny.tdb.roleUrl("hrvend_funder")],
      ]);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };
    const json = JSON.parse(await report("json", "2026-01-01", "2027-03-31")) as {
      hiddenSymbol: string;
      figures: ({ suppressed: string[]; prisonId: string; periodStart: string } & Record<string, unknown>)[];
    };
    expect(json.hiddenSymbol).toBe("[c]");
    let hidden = 0;
    let undefinedRates = 0;
    for (const f of json.figures) {
      for (const [k, v] of Object.entries(f)) {
        if (f.suppressed.includes(k)) {
          expect(v, `${f.periodStart} ${f.prisonId} ${k}`).toBe("[c]");
          hidden++;
        } else expect(v, `${f.periodStart} ${f.prisonId} ${k}`).not.toBe("[c]");
        if (typeof v === "string") expect(v).not.toMatch(/^(<\d+|x|hidden)$/);
      }
      if (f["regularPct"] === null && !f.suppressed.includes("regularPct")) undefinedRates++;
    }
    expect(hidden).toBeGreaterThan(50);
    // 2027's first quarter has four days: regular access is undefined there, not hidden.
    expect(undefinedRates).toBeGreaterThan(0);
    const csv = (await report("csv", "2026-01-01", "2027-03-31")).trim().split("\n");
    const head = (csv[0] ?? "").split(",");
    expect(head).not.toContain("nsp_new");
    expect(head).not.toContain("syringe_kits");
    const cells = csv.slice(1).flatMap((l) => l.split(","));
    expect(cells.filter((c) => c === "[c]").length).toBeGreaterThan(50);
    expect(cells.filter((c) => /^(<\d+|x|hidden)$/.test(c))).toEqual([]);
    const html = await report("html", "2026-01-01", "2026-12-31", "year");
    expect(html).toContain('<td class="sup">[c]</td>');
    expect(html).not.toMatch(/&lt;5<|>x</);
    // The funder dashboard and its preview, as the funder role: [c] and – exactly where the publication says.
    const seen = await withConnection(tiny.tdb.roleUrl("hrvend_funder"), (db) =>
      checkFunderSymbols(
        db,
        { from: new Date("2026-01-01T00:00:00Z"), to: new Date("2027-03-31T23:59:59Z") },
        new Date("2027-01-04T00:00:00Z"),
      ),
    );
    expect(seen.hidden).toBeGreaterThan(50);
    expect(seen.undefined).toBeGreaterThan(0);
  });
});
