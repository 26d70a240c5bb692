import { describe, expect, it } from "vitest";
import {
  addLots,
  expiredUnits,
  lotsExpiringWithin,
  stockedLots,
  takeFefo,
  takeFromLot,
  usableUntil,
} from "./lots";

const A = { lotId: "NX-A", expiry: "2026-04-30", quantity: 3 };
const B = { lotId: "NX-B", expiry: "2026-04-02", quantity: 2 };

describe("lots", () => {
  it("given a restock of two lots, then they are kept first-expiry-first-out; a second load of a lot adds to it", () => {
    const lots = addLots([], [A, B]);
    expect(lots).toEqual([B, A]);
    expect(addLots(lots, [{ ...A, quantity: 4 }])).toEqual([B, { ...A, quantity: 7 }]);
  });

  it("given dispenses naming their lot, then that lot loses the units and an emptied lot disappears", () => {
    let lots = addLots([], [A, B]);
    lots = takeFromLot(lots, "NX-B", 1);
    lots = takeFromLot(lots, "NX-B", 1);
    expect(lots).toEqual([A]);
  });

  it("given a dispense that arrives before the restock of its lot, then the result is the same as in order", () => {
    const early = addLots(takeFromLot([], "NX-A", 1), [A]);
    const inOrder = takeFromLot(addLots([], [A]), "NX-A", 1);
    expect(early).toEqual(inOrder);
    expect(stockedLots(takeFromLot([], "NX-A", 1))).toEqual([]);
  });

  it("given a removal without a lot, then units leave the first-expiring lots first", () => {
    expect(takeFefo(addLots([], [A, B]), 3)).toEqual([{ ...A, quantity: 2 }]);
  });

  it("given lots and a device time, then units are expired the day after their expiry date, and expiring ones are listed", () => {
    const lots = addLots([], [A, B]);
    expect(expiredUnits(lots, "2026-04-02T23:59:00.000+03:00")).toBe(0);
    expect(expiredUnits(lots, "2026-04-03T00:01:00.000+03:00")).toBe(2);
    expect(lotsExpiringWithin(lots, "2026-03-25T10:00:00.000+02:00", 7)).toEqual([]);
    expect(lotsExpiringWithin(lots, "2026-03-26T10:00:00.000+02:00", 7)).toEqual([B]);
    expect(lotsExpiringWithin(lots, "2026-04-25T10:00:00.000+03:00", 7)).toEqual([B, A]);
  });
});

describe("usableUntil", () => {
  const lot = (lotId: string, expiry: string | null, quantity: number) => ({ lotId, expiry, quantity });
  it("given stocked lots, then the end of the last expiry day at the prison's offset; emptied lots do not count", () => {
    expect(
      usableUntil(
        [lot("A", "2026-03-10", 2), lot("B", "2026-04-01", 3), lot("C", "2026-09-01", 0)],
        "2026-03-04T10:00:00+02:00",
      ),
    ).toBe("2026-04-02T00:00:00+02:00");
  });
  it("given a lot of unknown expiry or no lots, then null: those units never expire here", () => {
    expect(usableUntil([lot("A", "2026-03-10", 2), lot("X", null, 1)], "2026-03-04T10:00:00Z")).toBeNull();
    expect(usableUntil([], "2026-03-04T10:00:00Z")).toBeNull();
  });
});

describe("usableUntil across a daylight-saving change (the prison's time zone, not the device's offset)", () => {
  const lot = (lotId: string, expiry: string, quantity: number) => ({ lotId, expiry, quantity });
  // Europe/Chisinau moves from +02:00 to +03:00 at 02:00 local on the last Sunday of March
  // (2026-03-29) and back at 03:00 local on the last Sunday of October (2026-10-25).
  it("given a lot expiring after the spring change, reported in winter time, then its day ends at midnight +03:00", () => {
    expect(usableUntil([lot("A", "2026-04-01", 2)], "2026-03-04T10:00:00+02:00", "Europe/Chisinau")).toBe(
      "2026-04-02T00:00:00+03:00",
    );
  });
  it("given a lot whose expiry day is the 23-hour spring day, then it ends at the next local midnight, 23 h after its start", () => {
    const end = usableUntil([lot("A", "2026-03-29", 1)], "2026-03-20T10:00:00+02:00", "Europe/Chisinau");
    expect(end).toBe("2026-03-30T00:00:00+03:00");
    expect(Date.parse(end as string) - Date.parse("2026-03-29T00:00:00+02:00")).toBe(23 * 3_600_000);
  });
  it("given a lot whose expiry day is the 25-hour autumn day, reported in summer time, then it keeps its 25 hours", () => {
    const end = usableUntil([lot("A", "2026-10-25", 1)], "2026-10-01T10:00:00+03:00", "Europe/Chisinau");
    expect(end).toBe("2026-10-26T00:00:00+02:00");
    expect(Date.parse(end as string) - Date.parse("2026-10-25T00:00:00+03:00")).toBe(25 * 3_600_000);
  });
  it("given a zone whose spring change skips midnight (America/Santiago, 2026-09-06), then the day starts when the gap ends", () => {
    // Chile moves from -04:00 to -03:00 at 24:00 on the first Saturday of September: 00:00 never happens.
    expect(usableUntil([lot("A", "2026-09-05", 1)], "2026-09-01T10:00:00-04:00", "America/Santiago")).toBe(
      "2026-09-06T01:00:00-03:00",
    );
  });
});
