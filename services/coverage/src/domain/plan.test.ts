import { EVENT_KINDS, EXAMPLES, type HrEvent } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import { estimateFor, thresholdFor } from "./estimates";
import { PROGRAMME } from "./figures";
import { cardPeriodRows, dispenseDays, firstDates, IGNORED_KINDS, planBatch, touchedPeriods } from "./plan";

const refs = {
  prisons: new Map([["p1", { timeZone: "Europe/Chisinau" }]]),
  items: new Map([
    ["kit", { category: "syringe_kit" as const, syringesPerUnit: 10 }],
    ["nal", { category: "naloxone_nasal" as const, syringesPerUnit: 0 }],
  ]),
};
let seq = 0;
const dispense = (deviceTime: string, cardToken: string, itemId = "kit", prisonId = "p1") => ({
  key: `m:${++seq}`,
  event: {
    v: 1,
    kind: "dispense",
    prisonId,
    machineId: "m",
    seq,
    deviceTime,
    slotId: "s",
    itemId,
    cardToken,
    quantity: 2,
    stockAfter: 1,
  } as HrEvent,
});

describe("planning a batch", () => {
  it("given dispenses, when planned, then they sit on the local day with syringes counted and tokens kept only for syringe kits", () => {
    const plan = planBatch(
      [dispense("2026-03-28T22:00:00Z", "A"), dispense("2026-03-28T21:00:00Z", "B", "nal")],
      refs,
    );
    expect(plan.dispenses.map((d) => [d.localDate, d.syringes, d.cardToken])).toEqual([
      ["2026-03-29", 20, "A"],
      ["2026-03-28", 0, null],
    ]);
  });

  it("given a device time in the year 0000 or 0999, when planned, then it is refused with a RangeError (the message is parked), a time in 1000 is placed", () => {
    expect(() => planBatch([dispense("0000-03-02T10:00:00Z", "A")], refs)).toThrow(RangeError);
    expect(() => planBatch([dispense("0999-12-31T10:00:00Z", "A")], refs)).toThrow(RangeError);
    expect(planBatch([dispense("1000-01-01T10:00:00Z", "A")], refs).dispenses[0]?.localDate).toBe(
      "1000-01-01",
    );
  });

  it("given an event of an unknown prison or item, when planned, then it waits for the reference data", () => {
    const plan = planBatch(
      [dispense("2026-03-28T22:00:00Z", "A", "kit", "p9"), dispense("2026-03-28T22:00:00Z", "A", "x")],
      refs,
    );
    expect(plan.pending.length).toBe(2);
    expect(plan.dispenses).toEqual([]);
  });

  it("given one card on three days of a quarter, when first-seen rows are built, then one row per period with the windows it was seen in", () => {
    const plan = planBatch(
      [
        dispense("2026-01-10T10:00:00Z", "A"),
        dispense("2026-02-15T10:00:00Z", "A"),
        dispense("2026-03-20T10:00:00Z", "A"),
      ],
      refs,
    );
    const rows = cardPeriodRows(plan.dispenses);
    const q = rows.filter((r) => r.grain === "quarter");
    expect(q.map((r) => [r.scope, r.windows])).toEqual([
      ["p1", 0b111],
      [PROGRAMME, 0b111],
    ]);
    expect(rows.filter((r) => r.grain === "day").length).toBe(6);
    expect(rows.filter((r) => r.grain === "month" && r.scope === "p1").map((r) => r.windows)).toEqual([
      1, 0, 1,
    ]); // Feb: 28 days, no window
    expect(firstDates(plan.dispenses)).toEqual([
      { scope: "p1", cardToken: "A", date: "2026-01-10" },
      { scope: PROGRAMME, cardToken: "A", date: "2026-01-10" },
    ]);
  });

  it("given a client seen in two of three windows, when rows are built, then the quarter's mask is not full (not regular)", () => {
    const plan = planBatch(
      [dispense("2026-01-10T10:00:00Z", "B"), dispense("2026-03-20T10:00:00Z", "B")],
      refs,
    );
    const q = cardPeriodRows(plan.dispenses).find((r) => r.grain === "quarter" && r.scope === "p1");
    expect(q?.windows).toBe(0b101);
    const touched = touchedPeriods([{ scope: "p1", date: "2026-01-10" }]).find((t) => t.grain === "quarter");
    expect(touched?.fullMask).toBe(0b111);
  });
});

describe("configuration with effective dates", () => {
  const rows = [
    {
      estimateId: 1,
      prisonId: "p1",
      effectiveFrom: "2026-01-01",
      injectingPrevalence: 0.2,
      opioidDependencePrevalence: 0.1,
      source: "a",
    },
    {
      estimateId: 2,
      prisonId: "p1",
      effectiveFrom: "2026-02-15",
      injectingPrevalence: 0.3,
      opioidDependencePrevalence: 0.2,
      source: "b",
    },
  ];
  const registry = {
    prisonId: "p1",
    injectingPrevalence: 0.5,
    opioidDependencePrevalence: 0.4,
    refKey: "reg:1",
  };
  it("given estimates, when a period is figured, then the one in force on its last day applies, else the registry's", () => {
    expect(estimateFor("p1", "2026-01-31", rows, registry)?.source).toBe("a");
    expect(estimateFor("p1", "2026-03-31", rows, registry)?.source).toBe("b");
    expect(estimateFor("p1", "2025-12-31", rows, registry)?.source).toBe("registry (ref_prison reg:1)");
    expect(estimateFor("p2", "2026-03-31", rows, undefined)).toBeNull();
  });
  it("given thresholds, when a period is figured, then the one in force on its last day applies, default 5", () => {
    const t = [{ effectiveFrom: "2026-04-01", threshold: 10, source: "board" }];
    expect(thresholdFor("2026-03-31", t)).toBe(5);
    expect(thresholdFor("2026-06-30", t)).toBe(10);
  });
});

describe("dispense days", () => {
  it("given new dispenses, when summed, then one entry per prison, local day and item with quantity, syringes and count", () => {
    const plan = planBatch(
      [
        dispense("2026-03-28T22:00:00Z", "A"),
        dispense("2026-03-29T10:00:00Z", "B"),
        dispense("2026-03-28T21:00:00Z", "C"),
        dispense("2026-03-29T11:00:00Z", "D", "nal"),
      ],
      refs,
    );
    expect(
      dispenseDays(plan.dispenses).map((x) => [x.d.localDate, x.d.itemId, x.quantity, x.syringes, x.n]),
    ).toEqual([
      ["2026-03-29", "kit", 4, 40, 2],
      ["2026-03-28", "kit", 2, 20, 1],
      ["2026-03-29", "nal", 2, 0, 1],
    ]);
  });
});

describe("the kinds coverage leaves undecoded", () => {
  // Known prison and item, so nothing an ignored kind carries could be held back as pending.
  const known = {
    prisons: new Map([["md-branesti", { timeZone: "Europe/Chisinau" }]]),
    items: new Map(
      Object.values(EXAMPLES).flatMap((e) => ("itemId" in e ? [[e.itemId, refs.items.get("kit")!]] : [])),
    ),
  };
  const empty = { prisons: [], items: [], dispenses: [], census: [], oat: [], pending: [] };
  it("given an example of each ignored kind, when planned, then coverage keeps nothing of it", () => {
    for (const kind of IGNORED_KINDS)
      expect(planBatch([{ key: "k", event: EXAMPLES[kind] as HrEvent }], known), kind).toEqual(empty);
  });
  it("given an example of every other kind, when planned, then something is kept (so none of them may be skipped)", () => {
    const used = EVENT_KINDS.filter((k) => !IGNORED_KINDS.has(k));
    expect(used.length).toBeGreaterThan(0);
    for (const kind of used) {
      // An OAT dose changes nobody's status; the register's enrolments do.
      const event = kind === "oat" ? { ...EXAMPLES.oat, action: "enrol" } : EXAMPLES[kind];
      expect(planBatch([{ key: "k", event: event as HrEvent }], known), kind).not.toEqual(empty);
    }
  });
});
