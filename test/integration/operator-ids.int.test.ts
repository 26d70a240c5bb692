import { createDb, requestRetry } from "@hrvend/runtime/db";
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as migration0022 from "../../services/cli/src/db/migrations/0022_operator_ids";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";

/**
 * Migration 0022 on parked messages stored before it: the operator's ids become the visible
 * copies' own numbers, 1 to n in the order they were parked, and new ones follow on; down gives
 * back the global ids. (operator-side-channel.int.test.ts compares two databases' rows.)
 */
const iso = isolate("opids");
let tdb: TestDatabase;
let op: Kysely<any>;

beforeAll(async () => {
  tdb = await testDatabase(iso);
  op = createDb(tdb.roleUrl("hrvend_operator"), { max: 1 });
}, 240_000);

afterAll(async () => {
  await op?.destroy();
  await tdb?.close();
});

let seq = 0;
const park = (visible: boolean) => {
  seq += 1;
  const subject = visible ? "hr.v1.p1.m1.dispense" : "hr.v1.p1.p1-health.oat";
  const data = visible ? '{"kind":"dispense"}' : '{"kind":"oat"}';
  return sql`
    INSERT INTO ops.parked_message (consumer, stream, stream_seq, subject, event_key, verdict, error_class,
      error_code, error_message, tries, data)
    VALUES ('stock', 'EVENTS', ${seq}, ${subject}, ${`src:${seq}`}, 'poison', 'x', 'x', 'x', 1, ${Buffer.from(data)})
    RETURNING id::int`.execute(tdb.db);
};
const seen = async () =>
  (
    await sql<{ id: number; event_key: string }>`
    SELECT id::int, event_key FROM reporting.parked_message ORDER BY id`.execute(op)
  ).rows;

describe("operators' parked-message ids (migration 0022)", () => {
  it("given messages parked before it, hidden ones among them, then the ids shown are 1..n in order; new ones follow on; down restores the global ids", async () => {
    await migration0022.down(tdb.db as Kysely<unknown>);
    try {
      // Global ids 1..7: visible at 1, 4, 7.
      for (const v of [true, false, false, true, false, false, true]) await park(v);
      expect((await seen()).map((r) => r.id)).toEqual([1, 4, 7]);
    } finally {
      await migration0022.up(tdb.db as Kysely<unknown>);
    }
    expect(await seen()).toEqual([
      { id: 1, event_key: "src:1" },
      { id: 2, event_key: "src:4" },
      { id: 3, event_key: "src:7" },
    ]);
    // Hidden ones parked after it draw no number; an update (a retry asked) draws none either.
    for (const v of [false, false]) await park(v);
    expect(await requestRetry(tdb.db, { id: 4 })).toEqual([4]);
    const next = (await park(true)).rows[0] as { id: number };
    expect(next.id).toBe(10);
    expect((await seen()).map((r) => r.id)).toEqual([1, 2, 3, 4]);
    expect((await seen()).at(-1)).toEqual({ id: 4, event_key: "src:10" });
    // A visible message that turns out the health unit's (parked again with OAT data) leaves the view.
    await sql`UPDATE ops.parked_message SET data = ${Buffer.from('{"kind":"oat"}')} WHERE id = 4`.execute(
      tdb.db,
    );
    expect((await seen()).map((r) => r.event_key)).toEqual(["src:1", "src:7", "src:10"]);
  });
});
