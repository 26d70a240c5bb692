import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SCENARIOS_DIR } from "@hrvend/devices";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { ledgerFacts } from "../support/ledger";
import { Pipeline } from "../support/pipeline";
import { reconcileMachineFacts, reconcileRecorder, reconcileStock } from "../support/reconcile";

const HOUR = 3_600_000;
const dir = mkdtempSync(join(tmpdir(), "hrvend-placements-"));
let p: Pipeline | undefined;
afterAll(async () => {
  await p?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * `small` with placed events, through the real pipeline: a machine offline for 7 hours from a
 * given time, a prison joining on the first evening, a machine decommissioned, a slot
 * commissioned empty. Every event is stored as the ledger has it, and the stock service sees each
 * placement where the scenario put it.
 */
describe("scenario placements through the pipeline", () => {
  it("a placed outage, a late-joining prison, a decommissioned machine and an empty slot reach the stock service as placed", {
    timeout: 600_000,
  }, async () => {
    const small = JSON.parse(readFileSync(join(SCENARIOS_DIR, "small.json"), "utf8"));
    small.name = "small-placed";
    small.prisons[0].machines[0].slots[0].initial = 0; // sm-north-m1/s1 commissioned empty
    small.placements = [
      { type: "machine_outage", machineId: "sm-north-m1", atHours: 30, hours: 7 },
      { type: "prison_joins", prisonId: "sm-south", atHours: 20 },
      { type: "decommission", machineId: "sm-north-m2", atHours: 80 },
    ];
    const file = join(dir, "small-placed.json");
    writeFileSync(file, JSON.stringify(small));
    p = await Pipeline.start(file, "placements");
    const ledger = join(p.dir, "ledger.jsonl");
    const sim = p.simulate([
      "--scenario",
      file,
      "--days",
      "5",
      "--seed",
      "3",
      "--speed",
      "max",
      "--ledger",
      ledger,
    ]);
    expect(await sim.exited, sim.output()).toBe(0);
    const facts = ledgerFacts(ledger);
    const events = facts.filter((f) => f.fact === "event").length;
    await p.settle(events);
    expect(await reconcileRecorder(p.db, facts)).toBe(events);
    const dead = await sql<{ n: string }>`SELECT count(*) AS n FROM ingest.dead_letter`.execute(p.db);
    expect(Number(dead.rows[0]?.n)).toBe(0);
    // Every level change, stockout and offline period (the placed outage included, nothing beside
    // it), fault, temperature, lot and low-stock alert against the ledger.
    const stock = await reconcileStock(p.db, facts);
    const machine = await reconcileMachineFacts(p.db, facts);
    console.log(`[placements] reconciled: ${JSON.stringify({ ...stock, ...machine })}`);

    const start = Date.parse(small.start);
    // The outage: one offline alert of sm-north-m1 from 30 h to 37 h after the start.
    const offline = await sql<{ raised_at: Date; cleared_at: Date | null }>`
      SELECT raised_at, cleared_at FROM stock.alert WHERE type = 'offline' AND machine_id = 'sm-north-m1'`.execute(
      p.db,
    );
    expect(
      offline.rows.map((a) => [a.raised_at.getTime() - start, (a.cleared_at?.getTime() ?? 0) - start]),
    ).toContainEqual([30 * HOUR, 37 * HOUR]);
    // The late prison: nothing of it before 20 h.
    const south = await sql<{ first: Date }>`
      SELECT min(event_time) AS first FROM ingest.raw_event WHERE prison_id = 'sm-south'`.execute(p.db);
    expect(south.rows[0]?.first.getTime()).toBe(start + 20 * HOUR);
    // The decommissioned machine: its last event is the shutdown at 80 h, and the registry says inactive.
    const last = await sql<{ event_time: Date; kind: string }>`
      SELECT event_time, kind FROM ingest.raw_event WHERE source_id = 'sm-north-m2' ORDER BY event_time DESC, seq DESC LIMIT 1`.execute(
      p.db,
    );
    expect(last.rows[0]).toMatchObject({ kind: "status" });
    expect(last.rows[0]?.event_time.getTime()).toBe(start + 80 * HOUR);
    const inactive = await sql<{ n: string }>`
      SELECT count(*) AS n FROM ingest.raw_event
      WHERE kind = 'ref_machine' AND payload->>'machineId' = 'sm-north-m2' AND payload->>'active' = 'false'`.execute(
      p.db,
    );
    expect(Number(inactive.rows[0]?.n)).toBe(1);
    // The empty slot: the stock service knew it at level 0 from the commissioning, with its stockout.
    const first = await sql<{ level: number; device_time: Date }>`
      SELECT level, device_time FROM stock.level_change WHERE machine_id = 'sm-north-m1' AND slot_id = 's1'
      ORDER BY device_time, seq LIMIT 1`.execute(p.db);
    expect(first.rows[0]?.level).toBe(0);
    expect(first.rows[0]?.device_time.getTime()).toBe(start);
    const stockout = await sql<{ raised_at: Date }>`
      SELECT raised_at FROM stock.alert WHERE type = 'stockout' AND machine_id = 'sm-north-m1' AND slot_id = 's1'
      ORDER BY raised_at LIMIT 1`.execute(p.db);
    expect(stockout.rows[0]?.raised_at.getTime()).toBe(start);
  });
});
