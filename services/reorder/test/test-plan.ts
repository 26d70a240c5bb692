import type { RestockPlanInput } from "../src/domain/restock-plan";

const flat = (averageDaily: number, sigmaDaily = 0) => ({
  averageDaily,
  sigmaDaily,
  weekdayFactors: [1, 1, 1, 1, 1, 1, 1],
});

/**
 * Test helper: a prison planned on Monday 2026-03-02 00:00 UTC for a visit on Wednesday at 10:00
 * (2 5/12 days later), weekly visits, lead time 2 days, quantities by max-min (fillTo `max`).
 */
export function threeMachines(timeZone = "UTC"): RestockPlanInput {
  return {
    prisonId: "p1",
    timeZone,
    now: Date.parse("2026-03-02T00:00:00Z"),
    visitAt: Date.parse("2026-03-04T10:00:00Z"),
    leadTimeDays: 2,
    reviewIntervalDays: 7,
    fillTo: "max",
    machines: [
      {
        machineId: "mB",
        location: "Block B",
        slots: [{ slotId: "s1", itemId: "syringe-kit", capacity: 30, stock: 10, demand: flat(1, 1) }],
      },
      {
        machineId: "mC",
        slots: [
          { slotId: "s1", itemId: "syringe-kit", capacity: 10, stock: 8, demand: flat(1) },
          {
            slotId: "s2",
            itemId: "naloxone-nasal",
            capacity: 8,
            stock: 6,
            lots: [
              { lotId: "NX-LATE", expiry: "2027-01-01", quantity: 4 },
              { lotId: "NX-SOON", expiry: "2026-03-10", quantity: 2 },
            ],
            demand: flat(0.1),
          },
        ],
      },
      {
        machineId: "mA",
        location: 'Block "A", east wing',
        slots: [{ slotId: "s1", itemId: "syringe-kit", capacity: 20, stock: 4, demand: flat(2) }],
      },
    ],
  };
}
