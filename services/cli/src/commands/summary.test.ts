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
    expect(lines[1]).toBe("times: a prison's in its local time with the offset, others in UTC (Z)");
    expect(lines).toContain(`  heartbeat          ${"2".padStart(9)}`);
    // Device time spans every prison: UTC.
    expect(lines).toContain("  device time from 2026-03-01T00:00Z to 2026-03-02T00:00Z");
    // A visit and its stockout belong to the prison: local, with the offset of each (DST between them).
    expect(lines).toContain(
      "  md-p13       2026-03-25T10:00+02:00  first md-p13-m1, syringe-kit out 2026-03-31T01:30+03:00; load syringe-kit 40",
    );
    const row = lines.find((l) => l.startsWith("  md-p13 ") && l.includes("medium"));
    expect(row?.split(/ +/).slice(1)).toEqual(["md-p13", "[c]", "[c]", "123", "medium", "–", "41.3", "high"]);
  });

  it("given --settle (the wait said it), then no header line; given no figures, then it says so", () => {
    const lines = summaryText({ ...summary, coverage: null }, { header: false });
    expect(lines[0]).toMatch(/^times: /);
    expect(lines[1]).toBe("events recorded: 3");
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

  it("given alerts, then each is raised in its prison's local time with the offset, or in UTC when its time zone is unknown; parked and positions in UTC", () => {
    const lines = summaryText(
      {
        ...summary,
        alerts: {
          active: 2,
          byType: [{ type: "stockout", count: 2 }],
          oldest: [
            {
              machineId: "md-p13-m1",
              type: "stockout",
              timeZone: "Europe/Chisinau",
              raisedAt: "2026-03-04T09:30:00+02:00",
              detail: "s1 empty",
            },
            {
              machineId: "xx-m9",
              type: "stockout",
              timeZone: null,
              raisedAt: "2026-03-04T07:30:00.000Z",
              detail: "s2 empty",
            },
          ],
        },
        parked: { open: 1, byConsumer: [{ consumer: "stock", open: 1, oldest: "2026-03-05T12:00:00.000Z" }] },
        consumerPositions: [
          { consumer: "stock", stream: "HR_EVENTS", streamSeq: 7, updatedAt: "2026-03-05T12:00:05.123Z" },
        ],
      },
      { header: false },
    );
    expect(lines).toContain("    since 2026-03-04T09:30+02:00  md-p13-m1: s1 empty");
    expect(lines).toContain("    since 2026-03-04T07:30Z  xx-m9: s2 empty");
    expect(lines.find((l) => l.startsWith("  stock ") && l.includes("oldest"))).toMatch(/2026-03-05T12:00Z$/);
    expect(lines).toContain("  stock              HR_EVENTS @ 7 (2026-03-05T12:00:05Z)");
  });

  it("given another language, then the times line is in it too", () => {
    const ro = summaryText(summary, { header: false }, undefined, "ro");
    expect(ro[0]).toMatch(/^ore: /);
  });
});
