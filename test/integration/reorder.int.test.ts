import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadScenario } from "@hrvend/devices";
import { type RestockPlan, renderPlanJson } from "@hrvend/reorder";
import { applyBatch, batchChanges, recomputePrison } from "@hrvend/reorder/service";
import { newSecret } from "@hrvend/runtime";
import { createDb } from "@hrvend/runtime/db";
import { LocalCalendar } from "@hrvend/runtime/time";
import { EXAMPLES, type HrEvent } from "@hrvend/schemas";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { hrvend, hrvendInBackground } from "../support/cli";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";
import { ledgerFacts } from "../support/ledger";
import { startPrivateServers } from "../support/private-servers";
import { reconcileReorder } from "../support/reconcile";
import { type ServiceProcess, startService } from "../support/services";
import { ledgerEvents, runSimulator } from "../support/simulator";

// The simulator's prison ids are fixed, so this file gets a broker and a NATS server of its own.
const iso = isolate("reorder");
const dir = mkdtempSync(join(tmpdir(), "hrvend-reorder-"));
chmodSync(dir, 0o755);
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const DAYS = 21;
const { scenario } = loadScenario("small");

/** The scenario's outreach schedules, counted from its start date, as the service is configured. */
const schedules = Object.fromEntries(
  scenario.prisons.map((p) => [
    p.prisonId,
    {
      anchorDate: LocalCalendar.for(p.timeZone).dateOf(Date.parse(scenario.start)),
      firstVisitDay: p.outreach.firstVisitDay,
      intervalDays: p.outreach.intervalDays,
      hour: p.outreach.hour,
      leadTimeDays: p.outreach.leadTimeDays,
    },
  ]),
);

/** Every reorder table, ordered, without the bookkeeping that depends on batching and wall time. */
async function reorderTables(db: TestDatabase["db"]): Promise<Record<string, unknown[]>> {
  const tables: [string, string][] = [
    ["prison", "prison_id"],
    ["machine", "machine_id"],
    ["slot", "machine_id, slot_id"],
    ["level_change", "event_key"],
    ["dispense_daily", "prison_id, machine_id, item_id, local_date"],
    ["lot_stock", "machine_id, slot_id, lot_id"],
    ["visit_schedule", "prison_id"],
    ["slot_parameters", "prison_id, machine_id, slot_id"],
    ["restock_plan", "prison_id"],
  ];
  const out: Record<string, unknown[]> = {};
  for (const [t, order] of tables) {
    const r = await sql<
      Record<string, unknown>
    >`SELECT * FROM ${sql.table(`reorder.${t}`)} ORDER BY ${sql.raw(order)}`.execute(db);
    out[t] = r.rows.map(({ revision: _r, computed_at: _c, ...rest }) => rest);
  }
  return out;
}

async function position(db: TestDatabase["db"]): Promise<number> {
  const r = await sql<{ s: string }>`
    SELECT stream_seq AS s FROM ingest.stream_position WHERE consumer = 'reorder'`.execute(db);
  return Number(r.rows[0]?.s ?? 0);
}

/** Every prison with reference data has a plan computed from its latest revision. */
async function plansCaughtUp(db: TestDatabase["db"]): Promise<boolean> {
  const r = await sql<{ n: string }>`
    SELECT count(*) AS n FROM reorder.prison p LEFT JOIN reorder.restock_plan rp USING (prison_id)
    WHERE p.time_zone IS NOT NULL AND (rp.revision IS NULL OR rp.revision <> p.revision)`.execute(db);
  const known = await sql<{
    n: string;
  }>`SELECT count(*) AS n FROM reorder.prison WHERE time_zone IS NOT NULL`.execute(db);
  return Number(r.rows[0]?.n) === 0 && Number(known.rows[0]?.n) === scenario.prisons.length;
}

describe("reorder through the pipeline", () => {
  it("21 simulated days of `small`: daily dispenses equal the ledger, slot parameters and plans are sound, the CLI prints the stored plan, and a SIGKILL mid-run then a full replay give identical tables", {
    timeout: 120_000,
  }, async () => {
    const secret = newSecret();
    const { broker, nats, stop } = await startPrivateServers(dir, scenario, secret);
    cleanup.push(stop);
    const tdb = await testDatabase(iso);
    cleanup.push(() => tdb.close());
    const writerUrl = tdb.roleUrl("hrvend_writer");

    const gateway = await startService(
      "gateway",
      {
        GATEWAY_ID: "reorder-it",
        MQTT_URL: broker.url,
        MQTT_USERNAME: "gw",
        MQTT_PASSWORD: "gw",
        NATS_URL: nats.url,
        METRICS_PORT: "0",
      },
      "reorder-gateway",
    );
    cleanup.push(() => gateway.kill("SIGTERM"));
    const recorder = await startService(
      "recorder",
      { NATS_URL: nats.url, DATABASE_URL: writerUrl, METRICS_PORT: "0" },
      "reorder-recorder",
    );
    cleanup.push(() => recorder.kill("SIGTERM"));
    const reorderEnv = {
      NATS_URL: nats.url,
      DATABASE_URL: writerUrl,
      METRICS_PORT: "0",
      REORDER_SCHEDULES: JSON.stringify(schedules),
      RECOMPUTE_INTERVAL_MS: "250",
    };
    let reorder: ServiceProcess = await startService("reorder", reorderEnv, "reorder");
    cleanup.push(() => reorder.kill("SIGTERM"));

    const ledger = join(dir, "ledger.jsonl");
    const sim = runSimulator(
      [
        ...["--scenario", "small", "--days", String(DAYS), "--seed", "reorder-it", "--speed", "max"],
        ...["--mqtt-url", broker.url, "--ledger", ledger, "--state-dir", join(dir, "sim")],
      ],
      { HRVEND_DEPLOYMENT_SECRET: secret },
    );

    // Kill -9 mid-run (a batch may be half-applied in a rolled-back transaction), restart once.
    await expect.poll(() => position(tdb.db), { timeout: 60_000, interval: 50 }).toBeGreaterThan(6_000);
    await reorder.kill("SIGKILL");
    const killedAt = await position(tdb.db);
    reorder = await startService("reorder", reorderEnv, "reorder");

    expect(await sim.exited, sim.output()).toBe(0);
    // The broker acknowledged the simulator's messages; the gateway may still be forwarding them.
    const truth = ledgerEvents(ledger);
    const nc = await natsConnect({ servers: nats.url });
    cleanup.push(() => nc.close());
    const jsm = await jetstreamManager(nc);
    await expect
      .poll(async () => (await jsm.streams.info("HR_EVENTS")).state.messages, {
        timeout: 60_000,
        interval: 100,
      })
      .toBe(truth.length);
    const lastSeq = (await jsm.streams.info("HR_EVENTS")).state.last_seq;
    expect(killedAt, "killed with most of the stream still to consume").toBeLessThan(lastSeq / 2);
    await expect.poll(() => position(tdb.db), { timeout: 60_000, interval: 100 }).toBe(lastSeq);
    await expect.poll(() => plansCaughtUp(tdb.db), { timeout: 30_000, interval: 100 }).toBe(true);
    const live = await reorderTables(tdb.db);

    // Daily dispenses, slot stock and lots as the ledger has them; plans that add up.
    const counted = await reconcileReorder(tdb.db, ledgerFacts(ledger), scenario);
    expect(counted.dispenseDays).toBeGreaterThan(50);
    const params = await sql<{
      average_daily: number;
    }>`SELECT average_daily FROM reorder.slot_parameters`.execute(tdb.db);
    expect(params.rows.some((r) => r.average_daily > 0)).toBe(true);
    const slots = scenario.prisons.flatMap((p) => p.machines.flatMap((m) => m.slots));

    // The plan of each prison: every machine, priority order, whole quantities, a pick list that adds up.
    const stored = await sql<{ prison_id: string; plan: RestockPlan; as_of: Date }>`
      SELECT prison_id, plan, as_of FROM reorder.restock_plan ORDER BY prison_id`.execute(tdb.db);
    expect(stored.rows.map((r) => r.prison_id)).toEqual(scenario.prisons.map((p) => p.prisonId).sort());
    for (const { prison_id, plan, as_of } of stored.rows) {
      const p = scenario.prisons.find((x) => x.prisonId === prison_id)!;
      expect(plan.generatedAt).toBe(as_of.getTime());
      expect(plan.visitAt).toBeGreaterThanOrEqual(plan.generatedAt);
      expect(plan.visitAt - plan.generatedAt).toBeLessThanOrEqual(p.outreach.intervalDays * 86_400_000);
      expect(plan.machines.map((m) => m.machineId).sort()).toEqual(p.machines.map((m) => m.machineId).sort());
      expect(plan.machines.map((m) => m.priority)).toEqual(plan.machines.map((_, i) => i + 1));
      for (let i = 1; i < plan.machines.length; i++) {
        const [a, b] = [plan.machines[i - 1]!, plan.machines[i]!];
        if (a.projectedStockoutAt === null) expect(b.projectedStockoutAt).toBeNull();
        else if (b.projectedStockoutAt !== null)
          expect(a.projectedStockoutAt).toBeLessThanOrEqual(b.projectedStockoutAt);
      }
      for (const m of plan.machines) expect(m.loadUnits).toBe(m.slots.reduce((n, s) => n + s.loadUnits, 0));
      for (const l of plan.pickList) expect(l.totalUnits).toBe(l.restockUnits + l.replacementUnits);

      // The CLI prints the same plan.
      const cli = await hrvend([
        "restock-plan",
        "--prison",
        prison_id,
        "--format",
        "json",
        "--database-url",
        writerUrl,
      ]);
      expect(cli.code, cli.stderr).toBe(0);
      expect(JSON.parse(cli.stdout)).toEqual(JSON.parse(renderPlanJson(plan)));
      // Re-planned from the stored slot parameters for the same day: the same plan again.
      const visitDate = LocalCalendar.for(plan.timeZone).dateOf(plan.visitAt);
      const again = await hrvend([
        ...["restock-plan", "--prison", prison_id, "--visit", visitDate, "--format", "json"],
        ...["--database-url", writerUrl],
      ]);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toBe(cli.stdout);
    }
    const unknown = await hrvend(["restock-plan", "--prison", "nowhere", "--database-url", writerUrl]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown prison 'nowhere'; known prisons: sm-north, sm-south");
    const past = await hrvend([
      "restock-plan",
      "--prison",
      "sm-north",
      "--visit",
      "2026-04-01",
      "--database-url",
      writerUrl,
    ]);
    expect(past.code).toBe(1);
    expect(past.stderr).toContain("is before the latest data for prison 'sm-north'");

    // Grafana reads the plan lines, and nothing of the service's own schema.
    const grafana = createDb(tdb.roleUrl("hrvend_outreach"), { max: 1 });
    try {
      const lines = await sql<{ n: string }>`SELECT count(*) AS n FROM reporting.restock_plan_line`.execute(
        grafana,
      );
      expect(Number(lines.rows[0]?.n)).toBe(slots.length);
      await expect(sql`SELECT 1 FROM reorder.level_change LIMIT 1`.execute(grafana)).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await grafana.destroy();
    }

    // Replay: `hrvend replay --service reorder` empties its tables and position; the service,
    // started again, rebuilds from the whole stream the tables of the run with a SIGKILL.
    await reorder.kill("SIGTERM");
    const replay = hrvendInBackground([
      "replay",
      "--service",
      "reorder",
      "--database-url",
      tdb.adminUrl,
      "--nats-url",
      nats.url,
    ]);
    await expect.poll(() => position(tdb.db), { timeout: 30_000, interval: 50 }).toBe(0);
    reorder = await startService("reorder", reorderEnv, "reorder");
    const replayed = await replay;
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout).toMatch(/reorder: emptied \d+ tables/);
    expect(replayed.stdout).toContain(`reorder: rebuilt from ${lastSeq} stream messages`);
    await expect.poll(() => plansCaughtUp(tdb.db), { timeout: 30_000, interval: 100 }).toBe(true);
    expect(await reorderTables(tdb.db)).toEqual(live);
  });

  it("store: batches applied twice, in pieces, or before the prison's time zone is known give the same tables", async () => {
    const tdb = await testDatabase(isolate("reorderstore"));
    cleanup.push(() => tdb.close());
    const P = "st-p1";
    const M = "st-p1-m1";
    const at = (iso: string) => ({ deviceTime: iso });
    const machine = (seq: number, e: HrEvent) =>
      ({ ...structuredClone(e), prisonId: P, machineId: M, seq }) as HrEvent;
    const refs: HrEvent[] = [
      { ...EXAMPLES.ref_prison, prisonId: P },
      { ...EXAMPLES.ref_machine, prisonId: P, machineId: M },
    ];
    const stock: HrEvent[] = [
      machine(1, { ...EXAMPLES.restock, ...at("2026-03-28T23:00:00+02:00") }),
      machine(2, {
        ...EXAMPLES.dispense,
        ...at("2026-03-28T23:59:30+02:00"),
        slotId: "s2",
        itemId: "naloxone-nasal",
        lotId: "NX24117",
      }),
      machine(3, { ...EXAMPLES.dispense, ...at("2026-03-29T00:00:30+02:00") }),
      // The EU DST change: 03:00 local became 04:00.
      machine(4, { ...EXAMPLES.dispense, ...at("2026-03-29T23:30:00+03:00"), quantity: 2 }),
      machine(5, { ...EXAMPLES.stock_adjustment, ...at("2026-03-30T10:00:00+03:00") }),
    ];
    const position = (seq: number) => ({ consumer: "store-test", stream: "S", seq });
    const apply = (events: HrEvent[], seq: number) => applyBatch(tdb.db, batchChanges(events), position(seq));
    const tables = async () => {
      await recomputePrison(tdb.db, P, {
        schedule: { anchorDate: "2026-03-23", firstVisitDay: 2, intervalDays: 7, hour: 10, leadTimeDays: 2 },
        windowDays: 28,
        z: 1.65,
      });
      return reorderTables(tdb.db);
    };
    const reset = () =>
      sql`TRUNCATE reorder.prison, reorder.machine, reorder.slot, reorder.level_change, reorder.dispense_daily,
        reorder.lot_stock, reorder.visit_schedule, reorder.slot_parameters, reorder.restock_plan`.execute(
        tdb.db,
      );

    const once = await apply([...refs, ...stock], 1);
    expect(once).toMatchObject({ prisons: [P], fresh: 5, duplicates: 0 });
    const reference = await tables();
    const days = await sql<{ i: string; d: string; q: number; n: number }>`
      SELECT item_id AS i, local_date::text AS d, quantity AS q, dispenses AS n FROM reorder.dispense_daily
      ORDER BY 1, 2`.execute(tdb.db);
    expect(days.rows).toEqual([
      { i: "naloxone-nasal", d: "2026-03-28", q: 1, n: 1 },
      { i: "syringe-kit", d: "2026-03-29", q: 3, n: 2 },
    ]);
    expect(await apply([...stock, ...refs], 2)).toMatchObject({ fresh: 0, duplicates: 5 });
    expect(await tables()).toEqual(reference);

    // Stock events before the reference data (their days wait for the time zone), one by one.
    await reset();
    for (const [i, e] of [...stock].reverse().entries()) await apply([e], 10 + i);
    expect((await sql`SELECT * FROM reorder.dispense_daily`.execute(tdb.db)).rows).toEqual([]);
    await apply(refs, 20);
    expect(await tables()).toEqual(reference);
    const lots =
      await sql`SELECT lot_id, expiry::text AS expiry, quantity FROM reorder.lot_stock ORDER BY lot_id`.execute(
        tdb.db,
      );
    expect(lots.rows).toEqual([
      { lot_id: "NX24117", expiry: "2026-09-30", quantity: 12 - 1 - 3 },
      { lot_id: "NX25012", expiry: "2027-01-31", quantity: 8 },
    ]);
  });
});
