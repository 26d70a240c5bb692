import { createDb } from "@hrvend/runtime/db";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { isolate, testDatabase } from "../support/isolate";

const iso = isolate("availability");
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
});

describe("reporting.slot_availability", () => {
  it("given levels, an expiry and an outage, when Grafana asks for a window, then availability, uptime and stockout minutes follow docs/domain.md", async () => {
    const tdb = await testDatabase(iso);
    cleanup.push(() => tdb.close());
    const at = (hh: string) => `2026-05-01T${hh}:00:00Z`;
    await sql`INSERT INTO stock.slot (machine_id, slot_id, prison_id, item_id, capacity, level)
      VALUES ('m1', 's3', 'p1', 'naloxone-nasal', 30, 3)`.execute(tdb.db);
    const change = (seq: number, t: string, level: number, usableUntil: string | null) =>
      sql`INSERT INTO stock.level_change (device_time, event_key, prison_id, machine_id, slot_id, item_id, seq, level, delta, cause, usable_until)
        VALUES (${t}::timestamptz, ${`m1:${seq}`}, 'p1', 'm1', 's3', 'naloxone-nasal', ${seq}, ${level}, 0, 'dispense', ${usableUntil}::timestamptz)`.execute(
        tdb.db,
      );
    // 5 units from 09:00 whose lots all expire at 14:00; empty 16:00–18:00; 3 fresh units from 18:00.
    await change(1, at("09"), 5, at("14"));
    await change(2, at("16"), 0, null);
    await change(3, at("18"), 3, null);
    // Offline 17:00–19:00.
    await sql`INSERT INTO stock.alert (alert_id, prison_id, machine_id, slot_id, type, detail, raised_at, cleared_at)
      VALUES ('m1/-/offline/x', 'p1', 'm1', NULL, 'offline', 'offline', ${at("17")}::timestamptz, ${at("19")}::timestamptz)`.execute(
      tdb.db,
    );
    const grafana = createDb(tdb.roleUrl("hrvend_admin_national"), { max: 1 });
    cleanup.push(() => grafana.destroy());
    const r = await sql<Record<string, number | string>>`
      SELECT * FROM administration.slot_availability(${at("10")}::timestamptz, ${at("20")}::timestamptz)`.execute(
      grafana,
    );
    expect(r.rows).toEqual([
      {
        prison_id: "p1",
        machine_id: "m1",
        slot_id: "s3",
        item_id: "naloxone-nasal",
        window_minutes: 600,
        online_minutes: 480,
        known_online_minutes: 480,
        // 10–14 (then expired), 19–20 (18–19 offline).
        stocked_online_minutes: 300,
        // Level 0 from 16 to 18, online or not.
        stockout_minutes: 120,
        availability_pct: 62.5,
        uptime_pct: 80,
      },
    ]);
    // The role sees the figures, never the stock tables.
    await expect(sql`SELECT * FROM stock.level_change`.execute(grafana)).rejects.toThrow(/permission denied/);
  });
});
