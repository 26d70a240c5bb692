import { describe, expect, it } from "vitest";
import { type Summary, summaryText } from "./summary";

const summary: Summary = {
  freshness: { state: "not_settled", detail: "stock: 12 behind" },
  events: {
    total: 3,
    byKind: [
      { kind: "heartbeat", count: 2 },
      { kind: "dispense", count: 1 },
    ],
    deviceTimeFrom: "2026-03-01T00:00:00.000Z",
    deviceTimeTo: "2026-03-02T00:00:00.000Z",
  },
  rejects: { total: 0, byReason: [] },
  parked: { open: 0, byConsumer: [] },
  alerts: { active: 0, byType: [], oldest: [] },
  restockVisits: [
    {
      prisonId: "md-p13",
      timeZone: "Europe/Chisinau",
      // 08:00 UTC on 25 March 2026: 10:00 in Chisinau (UTC+2 until the last Sunday of March, the 29th).
      visitAt: "2026-03-25T08:00:00.000Z",
      firstMachineId: "md-p13-m1",
      stockoutItemId: "syringe-kit",
      // 22:30 UTC on 30 March: 01:30 on the 31st in Chisinau, now UTC+3.
      projectedStockoutAt: "2026-03-30T22:30:00.000Z",
      pickList: [{ itemId: "syringe-kit", totalUnits: 40 }],
    },
  ],
  coverage: {
    quarterStart: "2026-01-01",
    daysObserved: 90,
    rows: [
      {
        prisonId: "md-p13",
        nspClients: null,
        nspReachPct: null,
        syringesPerPwidYear: 123.4,
        syringeBand: "medium",
        naloxonePer100Prisoners: null,
        oatReachPct: 41.25,
        oatBand: "high",
        suppressed: ["nspClients", "nspReachPct"],
      },
    ],
  },
  consumerPositions: [],
};

describe("summary as text", () => {
  it("given a summary, then the header says whether it is current, visits read in the prison's local time, hidden values [c] and undefined ones –", () => {
    const lines = summaryText(summary, { header: true });
    expect(lines[0]).toBe("NOT SETTLED: stock: 12 behind");
    expect(lines).toContain(`  heartbeat          ${"2".padStart(9)}`);
    expect(lines).toContain("  device time from 2026-03-01T00:00:00.000Z to 2026-03-02T00:00:00.000Z");
    expect(lines).toContain(
      "  md-p13       2026-03-25 10:00  first md-p13-m1, syringe-kit out 2026-03-31 01:30; load syringe-kit 40",
    );
    const row = lines.find((l) => l.startsWith("  md-p13 ") && l.includes("medium"));
    expect(row?.split(/ +/).slice(1)).toEqual(["md-p13", "[c]", "[c]", "123", "medium", "–", "41.3", "high"]);
  });

  it("given --settle (the wait said it), then no header line; given no figures, then it says so", () => {
    const lines = summaryText({ ...summary, coverage: null }, { header: false });
    expect(lines[0]).toBe("events recorded: 3");
    expect(lines).toContain("coverage: no figures yet");
  });

  it("given the notifier's outbox, then one line counts its messages by status; without a notifier, no line", () => {
    const notifications = [
      { status: "failed", messages: 1 },
      { status: "pending", messages: 2 },
      { status: "sent", messages: 40 },
    ];
    expect(summaryText({ ...summary, notifications }, { header: false })).toContain(
      "notifications: 40 sent, 0 in digests, 2 to send or retry, 0 held (quiet hours), 1 given up (the notifier's log names each)",
    );
    expect(summaryText(summary, { header: false }).some((l) => l.startsWith("notifications"))).toBe(false);
  });
});
