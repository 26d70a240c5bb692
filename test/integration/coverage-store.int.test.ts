import { publishIfBehind, saveConfig } from "@hrvend/coverage";
import { applyBatch } from "@hrvend/coverage/store";
import { type HrEvent, HrEvent as HrEventSchema } from "@hrvend/schemas";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coverageEvents } from "../support/coverage-events";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";

const iso = isolate("covstore");
let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await testDatabase(iso);
});
afterAll(async () => tdb?.close());

const valid = (events: HrEvent[]) => events.map((e) => HrEventSchema.parse(e));

async function figure(scope: string, grain: string, start: string) {
  const r = await sql<Record<string, unknown>>`
    SELECT * FROM coverage.figure WHERE scope = ${scope} AND grain = ${grain} AND period_start = ${start}::date`.execute(
    tdb.db,
  );
  return r.rows[0];
}
async function table(name: string) {
  return (
    await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(name)} ORDER BY 1, 2, 3`.execute(tdb.db)
  ).rows;
}

describe("coverage store on TimescaleDB", () => {
  it("given dispenses at local midnight and across both daylight-saving changes, when applied, then each lands on its local day", async () => {
    const p = iso.prison("dst");
    const ev = coverageEvents(p);
    const events = valid([
      ev.refItem("2026-01-01T00:00:00Z", "kit", "syringe_kit", 10),
      ev.refPrison("2026-01-01T00:00:00Z"),
      // Chisinau: UTC+2 in winter, +3 from 2026-03-29 03:00 local until 2026-10-25 04:00 local.
      ev.dispense("2026-03-28T23:59:59+02:00", ev.token(1)), // last second of the 28th
      ev.dispense("2026-03-28T22:00:00Z", ev.token(2)), // 00:00 local on the 29th (still +02:00)
      ev.dispense("2026-03-29T21:30:00Z", ev.token(3)), // 00:30 local on the 30th (+03:00)
      ev.dispense("2026-03-29T20:59:59Z", ev.token(4)), // 23:59:59 local on the 29th (+03:00)
      ev.dispense("2026-10-24T21:00:00Z", ev.token(5)), // 00:00 local on the 25th (+03:00)
      ev.dispense("2026-10-25T01:30:00Z", ev.token(6)), // 03:30 local on the 25th, second pass (+02:00)
      ev.dispense("2026-10-25T21:59:59Z", ev.token(7)), // 23:59:59 local on the 25th (+02:00)
      ev.dispense("2026-10-25T22:00:00Z", ev.token(8)), // 00:00 local on the 26th
    ]);
    await applyBatch(tdb.db, events, null);
    const days = await sql<{ local_date: string; quantity: number }>`
      SELECT local_date::text, quantity FROM coverage.dispense_day WHERE prison_id = ${p} ORDER BY 1`.execute(
      tdb.db,
    );
    expect(days.rows).toEqual([
      { local_date: "2026-03-28", quantity: 1 },
      { local_date: "2026-03-29", quantity: 2 },
      { local_date: "2026-03-30", quantity: 1 },
      { local_date: "2026-10-25", quantity: 3 },
      { local_date: "2026-10-26", quantity: 1 },
    ]);
    expect((await figure(p, "day", "2026-03-29"))?.["nsp_clients"]).toBe(2);
    expect((await figure(p, "month", "2026-03-01"))?.["nsp_clients"]).toBe(4);
    // ISO week of Monday 2026-03-23 holds the 28th and 29th; the 30th opens the next one.
    expect((await figure(p, "week", "2026-03-23"))?.["nsp_clients"]).toBe(3);
    expect((await figure(p, "week", "2026-03-30"))?.["nsp_clients"]).toBe(1);
  });

  it("given a batch applied twice and a late event, when applied, then counts stay exact and new clients move to the earlier period", async () => {
    const p = iso.prison("idem");
    const ev = coverageEvents(p);
    await applyBatch(
      tdb.db,
      valid([
        ev.refItem("2026-01-01T00:00:00Z", "kit2", "syringe_kit", 10),
        ev.refPrison("2026-01-01T00:00:00Z"),
      ]),
      null,
    );
    const batch = valid([
      ev.dispense("2026-02-10T10:00:00Z", ev.token(1), "kit2", 2),
      ev.dispense("2026-02-11T10:00:00Z", ev.token(1), "kit2", 1),
      ev.dispense("2026-02-11T11:00:00Z", ev.token(2), "kit2", 1),
      ev.census("2026-02-11T22:05:00Z", "2026-02-11", 400),
      ev.census("2026-02-12T22:05:00Z", "2026-02-12", 410),
    ]);
    await applyBatch(tdb.db, batch, null);
    const before = await table("coverage.figure");
    await applyBatch(tdb.db, batch, null);
    expect(await table("coverage.figure")).toEqual(
      before.map((r) => ({ ...r, computed_at: expect.any(Date) })),
    );
    const feb = await figure(p, "month", "2026-02-01");
    expect(feb).toMatchObject({
      nsp_clients: 2,
      nsp_new: 2,
      syringe_kits: 4,
      syringes: 40,
      days_observed: 2,
    });
    expect(feb?.["avg_population"]).toBeCloseTo(405, 9);
    expect(feb?.["est_pwid"]).toBeCloseTo(81, 9);
    // A January dispense of card 1 arrives late: card 1 is new in January, returning in February.
    await applyBatch(tdb.db, valid([ev.dispense("2026-01-20T10:00:00Z", ev.token(1), "kit2", 1)]), null);
    expect(await figure(p, "month", "2026-02-01")).toMatchObject({
      nsp_clients: 2,
      nsp_new: 1,
      nsp_returning: 1,
    });
    expect(await figure(p, "month", "2026-01-01")).toMatchObject({ nsp_clients: 1, nsp_new: 1 });
    expect(await figure(p, "quarter", "2026-01-01")).toMatchObject({ nsp_clients: 2, nsp_new: 2 });
  });

  it("given events before their reference data, when the registry arrives, then they count once", async () => {
    const p = iso.prison("late");
    const ev = coverageEvents(p);
    await applyBatch(tdb.db, valid([ev.dispense("2026-05-05T10:00:00Z", ev.token(9), "kit3", 1)]), null);
    expect(await figure(p, "day", "2026-05-05")).toBeUndefined();
    await applyBatch(
      tdb.db,
      valid([
        ev.refPrison("2026-05-06T00:00:00Z"),
        ev.refItem("2026-05-06T00:00:00Z", "kit3", "syringe_kit", 5),
      ]),
      null,
    );
    expect(await figure(p, "day", "2026-05-05")).toMatchObject({ nsp_clients: 1, syringes: 5 });
    const pending = await sql<{ n: number }>`SELECT count(*)::int AS n FROM coverage.pending`.execute(tdb.db);
    expect(pending.rows[0]?.n).toBe(0);
  });

  it("given held events, when reference data arrives that resolves only some of them, then only those leave coverage.pending and the others are not rewritten", async () => {
    const known = iso.prison("held-known");
    const unknown = iso.prison("held-unknown");
    const k = coverageEvents(known);
    const u = coverageEvents(unknown);
    await applyBatch(
      tdb.db,
      valid([
        k.dispense("2026-05-07T10:00:00Z", k.token(1), "kit-held", 1),
        k.dispense("2026-05-07T11:00:00Z", k.token(2), "kit-never", 1), // its item never comes
        u.dispense("2026-05-07T10:00:00Z", u.token(1), "kit-held", 1), // its prison never comes
      ]),
      null,
    );
    const held = async () =>
      (
        await sql<{ event_key: string; xmin: string; prison: string; item: string }>`
          SELECT event_key, xmin::text AS xmin, event->>'prisonId' AS prison, event->>'itemId' AS item
          FROM coverage.pending WHERE event->>'prisonId' IN (${known}, ${unknown}) ORDER BY 1`.execute(tdb.db)
      ).rows;
    const before = await held();
    expect(before).toHaveLength(3);
    await applyBatch(
      tdb.db,
      valid([
        k.refPrison("2026-05-08T00:00:00Z"),
        k.refItem("2026-05-08T00:00:00Z", "kit-held", "syringe_kit", 2),
      ]),
      null,
    );
    // The one whose prison and item are both known now counts; the two others stay, same row versions.
    expect(await figure(known, "day", "2026-05-07")).toMatchObject({ nsp_clients: 1, syringes: 2 });
    const after = await held();
    expect(after.map((r) => [r.prison, r.item])).toEqual(
      expect.arrayContaining([
        [known, "kit-never"],
        [unknown, "kit-held"],
      ]),
    );
    expect(after).toHaveLength(2);
    for (const r of after) expect(r.xmin).toBe(before.find((b) => b.event_key === r.event_key)?.xmin);
  });

  it("given a rebuild that empties coverage's tables (hrvend replay --service coverage), when the events come again, then figures and the publication come back the same", async () => {
    // A database of its own: the rebuild empties every prison's coverage tables.
    const own = await testDatabase(isolate("covrebuild"));
    const db = own.db;
    const p = iso.prison("rebuild");
    const ev = coverageEvents(p);
    const events = valid([
      ev.refItem("2026-06-01T00:00:00Z", "kit4", "syringe_kit", 10),
      ev.refPrison("2026-06-01T00:00:00Z"),
      ev.census("2026-06-01T21:05:00Z", "2026-06-01", 200),
      ...[1, 2, 3, 4, 5, 6, 7].map((n) => ev.dispense("2026-06-01T10:00:00Z", ev.token(100 + n), "kit4")),
      ev.dispense("2026-06-02T10:00:00Z", ev.token(200), "kit4"),
    ]);
    await applyBatch(db, events, null);
    expect(await publishIfBehind(db)).toBeGreaterThan(0);
    const published = async () =>
      (
        await sql<Record<string, unknown>>`
          SELECT grain, period_start::text, scope, nsp_clients, suppressed FROM coverage.published
          WHERE scope = ${p} ORDER BY 1, 2`.execute(db)
      ).rows;
    const before = await published();
    // Funders get the quarter and the year (8 clients each), no day, week or month.
    expect(before.map((r) => [r["grain"], r["nsp_clients"]])).toEqual([
      ["quarter", 8],
      ["year", 8],
    ]);
    await sql`
      DO $$ DECLARE t text; BEGIN
        FOR t IN SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
                 WHERE schemaname = 'coverage' AND tablename NOT IN ('estimate', 'suppression_setting') LOOP
          EXECUTE 'TRUNCATE ' || t;
        END LOOP;
      END $$`.execute(db);
    expect(await published()).toEqual([]);
    await applyBatch(db, events, null);
    expect(await publishIfBehind(db)).toBeGreaterThan(0);
    expect(await published()).toEqual(before);
    expect(await publishIfBehind(db)).toBeNull(); // up to date: nothing to do
    await own.close();
  });

  it("given a programme that starts on 10 February, when regular access is counted, then a quarter needs two observed 30-day windows and a client must be served in each (WHO HIV.IND.9)", async () => {
    const p = iso.prison("regular");
    const ev = coverageEvents(p, "UTC");
    const census = [];
    for (
      let d = Date.parse("2026-02-10T00:00:00Z");
      d <= Date.parse("2026-06-30T00:00:00Z");
      d += 86_400_000
    ) {
      const date = new Date(d).toISOString().slice(0, 10);
      census.push(ev.census(`${date}T20:00:00Z`, date, 300));
    }
    await applyBatch(
      tdb.db,
      valid([
        ev.refItem("2026-01-01T00:00:00Z", "kit5", "syringe_kit", 10),
        ev.refPrison("2026-01-01T00:00:00Z"),
        ...census,
        // Q2's windows: 1–30 April, 1–30 May, 31 May–30 June (the remainder joins the last).
        ...["2026-04-03", "2026-05-20", "2026-06-29"].map((d) =>
          ev.dispense(`${d}T10:00:00Z`, ev.token(1), "kit5"),
        ),
        ...["2026-04-03", "2026-05-30", "2026-06-10"].map((d) =>
          ev.dispense(`${d}T10:00:00Z`, ev.token(2), "kit5"),
        ),
        ...["2026-04-03", "2026-06-29"].map((d) => ev.dispense(`${d}T10:00:00Z`, ev.token(3), "kit5")),
        // Q1: windows 1–30 Jan and 31 Jan–1 Mar were not observed in full (census from 10 Feb).
        ...["2026-02-12", "2026-03-12"].map((d) => ev.dispense(`${d}T10:00:00Z`, ev.token(1), "kit5")),
      ]),
      null,
    );
    const q2 = await figure(p, "quarter", "2026-04-01");
    expect(q2).toMatchObject({ nsp_clients: 3, nsp_regular: 2 });
    expect(q2?.["regular_pct"]).toBeCloseTo((100 * 2) / 3, 9);
    // One observed window in Q1: undefined, not 0 % and not 100 %.
    expect(await figure(p, "quarter", "2026-01-01")).toMatchObject({
      nsp_clients: 1,
      nsp_regular: null,
      regular_pct: null,
    });
    // A month is one window: undefined.
    expect(await figure(p, "month", "2026-05-01")).toMatchObject({ nsp_regular: null, regular_pct: null });
    const year = await figure(p, "year", "2026-01-01");
    expect(year?.["nsp_clients"]).toBe(3);
    // Windows of 2026: k-th starts on 1 Jan + 30k. Observed (all days between 10 Feb and 30 Jun):
    // [2 Mar–31 Mar], [1 Apr–30 Apr], [1 May–30 May], [31 May–29 Jun]. Client 1: 12 Mar, 3 Apr, 20 May,
    // 29 Jun → all four; client 2: 3 Apr, 30 May, 10 Jun but nothing in March; client 3: no May.
    expect(year?.["nsp_regular"]).toBe(1);
  });

  it("given OAT enrolments and discharges, when a period ends, then clients active at its end count; an estimate with an effective date is named by the figures it applies to", async () => {
    const p = iso.prison("oat");
    const ev = coverageEvents(p);
    await applyBatch(
      tdb.db,
      valid([
        ev.refPrison("2026-01-01T00:00:00Z", 0.2, 0.1),
        ev.census("2026-01-02T22:05:00Z", "2026-01-02", 300),
        ev.census("2026-02-02T22:05:00Z", "2026-02-02", 300),
        ev.oat("2026-01-05T09:00:00Z", ev.client(1), "enrol"),
        ev.oat("2026-01-06T09:00:00Z", ev.client(2), "enrol"),
        ev.oat("2026-01-31T21:59:00Z", ev.client(2), "discharge"), // 23:59 local on Jan 31
        ev.oat("2026-02-03T09:00:00Z", ev.client(3), "enrol"),
      ]),
      null,
    );
    expect(await figure(p, "month", "2026-01-01")).toMatchObject({ oat_active_end: 1, estimate_id: null });
    expect(await figure(p, "month", "2026-02-01")).toMatchObject({ oat_active_end: 2 });
    expect((await figure(p, "month", "2026-01-01"))?.["oat_reach_pct"]).toBeCloseTo((100 * 1) / 30, 9);
    await saveConfig(tdb.db, {
      source: "test survey 2026",
      estimates: [
        {
          prisonId: p,
          effectiveFrom: "2026-02-01",
          injectingPrevalence: 0.3,
          opioidDependencePrevalence: 0.2,
        },
      ],
      suppression: [],
    });
    const jan = await figure(p, "month", "2026-01-01");
    const feb = await figure(p, "month", "2026-02-01");
    expect(jan?.["estimate_source"]).toMatch(/^registry \(ref_prison /);
    expect(feb?.["estimate_source"]).toBe("test survey 2026");
    expect(feb?.["est_opioid_dependent"]).toBeCloseTo(60, 9);
    expect(feb?.["oat_reach_pct"]).toBeCloseTo((100 * 2) / 60, 9);
    expect(feb?.["oat_band"]).toBe("low");
  });
});
