import type { JsMsg } from "@nats-io/jetstream";
import { sql } from "kysely";
import pino from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AlertPublisher } from "../../services/stock/src/alert-publisher";
import { stockMetrics } from "../../services/stock/src/announce";
import { type ConsumeDeps, deadSeqWriter, stockWriter } from "../../services/stock/src/consume";
import { alertPolicy, type MachineInput } from "../../services/stock/src/domain";
import { tickMachines } from "../../services/stock/src/live-timer";
import { MachineCache } from "../../services/stock/src/machine-cache";
import { ReferenceCache } from "../../services/stock/src/reference-cache";
import { machineEvents } from "../../services/stock/test/events";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";

/**
 * The stock service keeps the machine states it wrote in memory and re-reads a state only when
 * the row's version under its lock is not the one it wrote (issue #20). These tests try to break
 * that: the dead-letter consumer, the live timer and another instance (a lease moved) write the
 * same machine between two batches of an instance, and an instance restarts with held events.
 * Each batch goes through the events consumer's write (`stockWriter`) into real PostgreSQL;
 * the expected level is the `stockAfter` of the highest seq applied (docs/domain.md), read off
 * the events below, and a stale state would hold the later events behind a seq already passed.
 */
const iso = isolate("stockcache");
const P = iso.prison("p1");
const MACHINE = `${iso.tag}-m1`;
const ev = machineEvents(MACHINE, P);
const GAP_BOUND_MS = 60_000;
const policy = alertPolicy({ silenceMinutes: 60 * 24 * 365 });
let tdb: TestDatabase;
let streamSeq = 0;
let deadSeq = 0;

beforeAll(async () => {
  tdb = await testDatabase(iso);
});
afterAll(async () => tdb?.close());

/** One instance of the service: its own caches, as after a (re)start. */
function instance(): ConsumeDeps {
  const publisher = { publish: async () => undefined } as unknown as AlertPublisher;
  return {
    db: tdb.db,
    policy,
    gapBoundMs: GAP_BOUND_MS,
    publisher,
    log: pino({ level: "silent" }),
    metrics: stockMetrics(new Registry()),
    caches: { machines: new MachineCache(), reference: new ReferenceCache() },
  };
}

const message = (x: unknown) => ({ data: Buffer.from(JSON.stringify(x)) }) as unknown as JsMsg;

async function batch(deps: ConsumeDeps, events: MachineInput[]): Promise<void> {
  streamSeq += events.length;
  await stockWriter(deps)(events.map(message), {
    consumer: `stock-${iso.tag}`,
    stream: "HR_EVENTS",
    seq: streamSeq,
  });
}

async function deadLetter(deps: ConsumeDeps, seq: number): Promise<void> {
  const letter = {
    source: MACHINE,
    reason: "invalid_payload",
    receivedAt: new Date().toISOString(),
    payloadExcerpt: JSON.stringify({ machineId: MACHINE, seq }),
  };
  await deadSeqWriter(deps)([message(letter)], {
    consumer: `stock-${iso.tag}-dead`,
    stream: "DEAD",
    seq: ++deadSeq,
  });
}

async function stored() {
  const level = await sql<{ level: number }>`
    SELECT level FROM stock.slot WHERE machine_id = ${MACHINE} AND slot_id = 's1'`.execute(tdb.db);
  const held = await sql<{ seq: string }>`
    SELECT seq FROM stock.held_event WHERE machine_id = ${MACHINE} ORDER BY seq, k`.execute(tdb.db);
  const state = await sql<{ level: number }>`
    SELECT (state->'slots'->'s1'->>'level')::int AS level FROM stock.machine_state WHERE machine_id = ${MACHINE}`.execute(
    tdb.db,
  );
  return {
    level: level.rows[0]?.level,
    stateLevel: state.rows[0]?.level,
    held: held.rows.map((r) => Number(r.seq)),
  };
}

describe("stock's machine states in memory", () => {
  it("other writers between two batches, a lease moved away and back, a restart with held events: levels and held events as the events say", async () => {
    const a = instance();
    await batch(a, [
      ev.registry([{ slotId: "s1", capacity: 20 }]),
      ev.online(1, "08:00"),
      ev.restock(2, "08:01", "s1", 10, 10),
      ev.dispense(3, "08:02", "s1", 9),
      ev.dispense(5, "08:04", "s1", 7), // seq 4 missing: held
    ]);
    expect(await stored()).toEqual({ level: 9, stateLevel: 9, held: [5] });

    // The dead-letter consumer (here on another instance) gives seq 4 up: seq 5 is applied.
    await deadLetter(instance(), 4);
    expect(await stored()).toEqual({ level: 7, stateLevel: 7, held: [] });

    // Instance a again: its cached state still holds seq 5 behind seq 4.
    await batch(a, [ev.dispense(6, "08:05", "s1", 6), ev.dispense(8, "08:07", "s1", 4)]);
    expect(await stored()).toEqual({ level: 6, stateLevel: 6, held: [8] });

    // The partition's lease moves to instance b, which fills the gap; then back to a.
    const b = instance();
    await batch(b, [ev.dispense(7, "08:06", "s1", 5)]);
    expect(await stored()).toEqual({ level: 4, stateLevel: 4, held: [] });
    await batch(a, [ev.dispense(9, "08:08", "s1", 3), ev.dispense(11, "08:10", "s1", 1)]);
    expect(await stored()).toEqual({ level: 3, stateLevel: 3, held: [11] });

    // The live timer (clock past the bound) passes seq 10 over: seq 11 is applied.
    const later = new Date(Date.now() + 10 * GAP_BOUND_MS).toISOString();
    const ticked = await tickMachines(tdb.db, later, policy, GAP_BOUND_MS, (p) => p === P);
    expect(ticked.skipped).toEqual([{ from: 10, to: 10, reason: "bound", machineId: MACHINE }]);
    expect(await stored()).toEqual({ level: 1, stateLevel: 1, held: [] });
    await batch(a, [ev.restock(12, "08:11", "s1", 5, 6)]);
    expect(await stored()).toEqual({ level: 6, stateLevel: 6, held: [] });

    // Events held (seq 13 missing, and a duplicate of 15), then the process dies (its cache with
    // it) and a new one fills the gap from the stored rows.
    await batch(a, [ev.dispense(14, "08:13", "s1", 4), ev.dispense(15, "08:14", "s1", 3)]);
    await batch(a, [ev.dispense(15, "08:14", "s1", 3)]);
    expect(await stored()).toEqual({ level: 6, stateLevel: 6, held: [14, 15, 15] });
    const restarted = instance();
    await batch(restarted, [ev.dispense(13, "08:12", "s1", 5)]);
    expect(await stored()).toEqual({ level: 3, stateLevel: 3, held: [] });

    // Every stock event applied exactly once (seq 10 never came): one level change each.
    const changes = await sql<{ seq: string }>`
      SELECT seq FROM stock.level_change WHERE machine_id = ${MACHINE} ORDER BY seq`.execute(tdb.db);
    expect(changes.rows.map((r) => Number(r.seq))).toEqual([2, 3, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15]);
  });
});
