import { EXAMPLES, type HrEvent } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { batchChanges, dispenseDays, lotDeltas } from "./batch-changes";

const ev = <T extends HrEvent>(e: T, over: Partial<T> = {}): T => ({ ...structuredClone(e), ...over });

describe("batchChanges", () => {
  it("given stock events, then each becomes one row keyed machine:seq with its signed delta and lot changes", () => {
    const c = batchChanges([EXAMPLES.dispense, EXAMPLES.restock, EXAMPLES.stock_adjustment]);
    expect(c.stock.map((r) => [r.key, r.kind, r.delta, r.level])).toEqual([
      ["md-branesti-m1:1042", "dispense", -1, 87],
      ["md-branesti-m1:1044", "restock", 20, 34],
      ["md-branesti-m1:1045", "stock_adjustment", -3, 31],
    ]);
    expect(c.stock[1]!.lots).toEqual([
      { lotId: "NX24117", expiry: "2026-09-30", delta: 12 },
      { lotId: "NX25012", expiry: "2027-01-31", delta: 8 },
    ]);
    expect(c.stock[2]!.lots).toEqual([{ lotId: "NX24117", expiry: null, delta: -3 }]);
  });

  it("given the same event twice in a batch, then it is one row (the first stands)", () => {
    const c = batchChanges([EXAMPLES.dispense, ev(EXAMPLES.dispense, { stockAfter: 3 })]);
    expect(c.stock).toHaveLength(1);
    expect(c.stock[0]!.level).toBe(87);
  });

  it("given events of any kind, then the latest event time per prison is kept, and items (programme-wide) are ignored", () => {
    const c = batchChanges([
      EXAMPLES.heartbeat,
      ev(EXAMPLES.dispense, { deviceTime: "2025-03-14T13:00:00+02:00" }),
      EXAMPLES.ref_item,
    ]);
    expect([...c.lastEventAt]).toEqual([["md-branesti", Date.parse("2025-03-14T11:00:00Z")]]);
  });

  it("given registrations of one machine and prison from two sources in a batch, then each source's newest is kept, in order of first appearance (the store lets only the owner apply)", () => {
    const owner = ev(EXAMPLES.ref_machine, { seq: 5, location: "owner" });
    const rogue = ev(EXAMPLES.ref_machine, { sourceId: "rogue", seq: 9_999, location: "rogue" });
    const ownerLater = ev(EXAMPLES.ref_machine, { seq: 6, location: "owner-later" });
    const c = batchChanges([owner, rogue, ownerLater]);
    expect(c.machines.map((m) => [m.source, m.seq, m.location])).toEqual([
      [EXAMPLES.ref_machine.sourceId, 6, "owner-later"],
      ["rogue", 9_999, "rogue"],
    ]);
    const p = batchChanges([
      ev(EXAMPLES.ref_prison, { seq: 3 }),
      ev(EXAMPLES.ref_prison, { sourceId: "rogue", seq: 50 }),
    ]);
    expect(p.prisons.map((x) => [x.source, x.seq])).toEqual([
      [EXAMPLES.ref_prison.sourceId, 3],
      ["rogue", 50],
    ]);
  });

  it("given two registrations of a machine in one batch, then the one with the higher registry seq wins", () => {
    const older = ev(EXAMPLES.ref_machine, { seq: 5, location: "old" });
    const newer = ev(EXAMPLES.ref_machine, { seq: 6, location: "new" });
    expect(batchChanges([newer, older]).machines.map((m) => m.location)).toEqual(["new"]);
  });
});

describe("dispenseDays", () => {
  it("given dispenses around local midnight, then they are counted on the prison's local day", () => {
    const days = dispenseDays("Europe/Chisinau", [
      { machineId: "m1", itemId: "k", at: Date.parse("2026-03-23T21:59:00Z"), quantity: 1 }, // 23:59 local
      { machineId: "m1", itemId: "k", at: Date.parse("2026-03-23T22:00:00Z"), quantity: 2 }, // 00:00 next day
      { machineId: "m1", itemId: "k", at: Date.parse("2026-03-24T08:00:00Z"), quantity: 1 },
    ]);
    expect(days).toEqual([
      { machineId: "m1", itemId: "k", date: "2026-03-23", quantity: 1, dispenses: 1 },
      { machineId: "m1", itemId: "k", date: "2026-03-24", quantity: 3, dispenses: 2 },
    ]);
  });
});

describe("lotDeltas", () => {
  it("given a restock then dispenses of a lot, then the units add up per slot and lot and keep the restock's expiry", () => {
    const c = batchChanges([
      ev(EXAMPLES.dispense, { slotId: "s2", itemId: "naloxone-nasal", lotId: "NX24117", seq: 2000 }),
      EXAMPLES.restock,
    ]);
    expect(lotDeltas(c.stock).map((l) => l.lot)).toEqual([
      { lotId: "NX24117", expiry: "2026-09-30", delta: 11 },
      { lotId: "NX25012", expiry: "2027-01-31", delta: 8 },
    ]);
  });
});

describe("batchChanges with heartbeats read as clock ticks", () => {
  it("given ticks and events, then a prison's latest time is the latest of both, and a tick alone makes a prison touched", () => {
    const c = batchChanges(
      [{ ...structuredClone(EXAMPLES.dispense), deviceTime: "2025-03-14T13:00:00+02:00" }],
      [
        { prisonId: "md-branesti", time: "2025-03-14T13:30:00+02:00" },
        { prisonId: "md-branesti", time: "2025-03-14T12:00:00+02:00" },
        { prisonId: "other", time: "2025-03-15T00:00:00Z" },
        { prisonId: "bad", time: "not a time" },
      ],
    );
    expect([...c.lastEventAt].sort()).toEqual([
      ["md-branesti", Date.parse("2025-03-14T11:30:00Z")],
      ["other", Date.parse("2025-03-15T00:00:00Z")],
    ]);
  });
});
