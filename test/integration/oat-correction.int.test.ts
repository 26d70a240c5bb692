import { applyBatch } from "@hrvend/coverage/store";
import { type HrEvent, HrEvent as HrEventSchema } from "@hrvend/schemas";
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as migration0023 from "../../services/coverage/src/store/migrations/0023_oat_supersede";
import { coverageEvents } from "../support/coverage-events";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";

/**
 * Corrections of the OAT register and the census on the real database (red-team finding: a
 * corrected register row whose time changed did not supersede the earlier one). The README
 * promises: the key of a register row is (client, prison, local date, event) and of a census row
 * (prison, date); the newest report for a key wins, whatever order the events arrive in.
 *
 * Expected values by hand from docs/domain.md (§OAT reach: a client is active at the end of a
 * period when their last enrolment or discharge up to then is an enrolment; §census: the
 * population averaged over the census days).
 */
const iso = isolate("oatfix");
let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await testDatabase(iso);
});
afterAll(async () => tdb?.close());

const valid = (events: HrEvent[]) => events.map((e) => HrEventSchema.parse(e));

async function month(scope: string, start: string) {
  const r = await sql<{ oat_active_end: number; avg_population: number }>`
    SELECT oat_active_end, avg_population FROM coverage.figure
    WHERE scope = ${scope} AND grain = 'month' AND period_start = ${start}::date`.execute(tdb.db);
  return r.rows[0];
}
async function oatRows(prison: string) {
  const r = await sql<{ action: string; at: string }>`
    SELECT action, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"') AS at FROM coverage.oat_event
    WHERE prison_id = ${prison} ORDER BY at`.execute(tdb.db);
  return r.rows;
}

/** The red team's scenario, as the import publishes it: file 1, then the corrected file 2. */
function scenario(p: string) {
  const ev = coverageEvents(p);
  const ref = ev.refPrison("2026-01-01T00:00:00Z");
  const c = ev.client(1);
  // Chisinau is UTC+3 on 31 March 2026 (summer time since the 29th).
  const file1 = [
    ev.oat("2026-03-31T19:00:00+03:00", c, "enrol"),
    ev.oat("2026-03-31T18:00:00+03:00", c, "discharge"),
  ];
  // File 2 corrects the enrolment's time to 17:00 (same key: client, prison, 31.03, enrol).
  const file2 = [ev.oat("2026-03-31T17:00:00+03:00", c, "enrol")];
  return { ref, file1, file2 };
}

describe("OAT register and census corrections in coverage", () => {
  it("given an enrolment corrected to before the discharge, when applied, then it supersedes the earlier one and the client is not active", async () => {
    const p = iso.prison("fix");
    const { ref, file1, file2 } = scenario(p);
    await applyBatch(tdb.db, valid([ref]), null);
    await applyBatch(tdb.db, valid(file1), null);
    // Enrolled 19:00 after the discharge at 18:00: active at the end of March.
    expect((await month(p, "2026-03-01"))?.oat_active_end).toBe(1);
    await applyBatch(tdb.db, valid(file2), null);
    // Enrolled 17:00, discharged 18:00: the last change is the discharge, nobody active.
    expect(await oatRows(p)).toEqual([
      { action: "enrol", at: "2026-03-31T14:00Z" },
      { action: "discharge", at: "2026-03-31T15:00Z" },
    ]);
    expect((await month(p, "2026-03-01"))?.oat_active_end).toBe(0);
    // Redelivery of every event changes nothing.
    await applyBatch(tdb.db, valid([ref, ...file1, ...file2]), null);
    expect((await month(p, "2026-03-01"))?.oat_active_end).toBe(0);
    expect(await oatRows(p)).toHaveLength(2);
  });

  it("given the same events in another order (a replay, an old report arriving late), then the result is the same", async () => {
    for (const [name, order] of [
      ["one", (f1: HrEvent[], f2: HrEvent[]) => [[...f2, ...f1]]],
      ["two", (f1: HrEvent[], f2: HrEvent[]) => [f2, f1]],
      ["three", (f1: HrEvent[], f2: HrEvent[]) => [[...f1, ...f2]]],
    ] as const) {
      const p = iso.prison(`ord${name}`);
      const { ref, file1, file2 } = scenario(p);
      await applyBatch(tdb.db, valid([ref]), null);
      for (const batch of order(file1, file2)) await applyBatch(tdb.db, valid(batch), null);
      expect(await oatRows(p), name).toEqual([
        { action: "enrol", at: "2026-03-31T14:00Z" },
        { action: "discharge", at: "2026-03-31T15:00Z" },
      ]);
      expect((await month(p, "2026-03-01"))?.oat_active_end, name).toBe(0);
    }
  });

  it("given two census reports for one day, then the newest wins in any order, and two sources with the same seq resolve the same way either way", async () => {
    const p = iso.prison("cen");
    const q = iso.prison("cenr");
    for (const [prison, reversed] of [
      [p, false],
      [q, true],
    ] as const) {
      const ev = coverageEvents(prison);
      const ref = ev.refPrison("2026-01-01T00:00:00Z");
      const old = ev.census("2026-04-02T07:00:00Z", "2026-04-01", 100);
      const fresh = ev.census("2026-04-03T07:00:00Z", "2026-04-01", 130);
      // Another census office of the prison reporting the same day under the same seq as `fresh`.
      const other = {
        ...ev.census("2026-04-03T07:00:00Z", "2026-04-01", 170),
        sourceId: `${prison}-census`,
        seq: fresh.seq,
      } as HrEvent;
      await applyBatch(tdb.db, valid([ref]), null);
      const batches = reversed ? [[other], [fresh], [old]] : [[old], [fresh, other]];
      for (const b of batches) await applyBatch(tdb.db, valid(b), null);
      // Newest seq wins; a tie of seqs goes to the greater source id ("-reg" > "-census").
      expect((await month(prison, "2026-04-01"))?.avg_population, prison).toBe(130);
    }
  });

  it("given entries stored before migration 0023 with a superseded one, when it runs, then only the newest per key stays and a second one cannot go in", async () => {
    const p = iso.prison("mig");
    await migration0023.down(tdb.db as Kysely<unknown>);
    try {
      const c = "oatc000000000000000009";
      const put = (key: string, seq: number, at: string, action = "enrol") =>
        sql`INSERT INTO coverage.oat_event (event_key, prison_id, client_token, action, at, local_date, seq)
            VALUES (${key}, ${p}, ${c}, ${action}, ${at}::timestamptz, '2026-03-31', ${seq})`.execute(tdb.db);
      await put(`${p}-health:5`, 5, "2026-03-31T16:00:00Z");
      await put(`${p}-health:9`, 9, "2026-03-31T14:00:00Z");
      await put(`${p}-health:7`, 7, "2026-03-31T15:00:00Z", "discharge");
      // Same seq as the newest enrolment, from another source: the greater source id wins ("-x" > "-health").
      await put(`${p}-x:9`, 9, "2026-03-31T13:00:00Z");
    } finally {
      await migration0023.up(tdb.db as Kysely<unknown>);
    }
    const r = await sql<{ event_key: string; source_id: string }>`
      SELECT event_key, source_id FROM coverage.oat_event WHERE prison_id = ${p} ORDER BY event_key`.execute(
      tdb.db,
    );
    expect(r.rows).toEqual([
      { event_key: `${p}-health:7`, source_id: `${p}-health` },
      { event_key: `${p}-x:9`, source_id: `${p}-x` },
    ]);
    await expect(
      sql`INSERT INTO coverage.oat_event (event_key, prison_id, client_token, action, at, local_date, seq)
          VALUES ('again:1', ${p}, 'oatc000000000000000009', 'enrol', now(), '2026-03-31', 1)`.execute(
        tdb.db,
      ),
    ).rejects.toThrow(/duplicate key/);
  });
});
