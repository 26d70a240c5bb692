import { describe, expect, it } from "vitest";
import { messageIdOf, renderDigest } from "../render/message";
import { planAlert, planDigest, retryAfterMs } from "./outbox";
import type { Route } from "./route";
import type { AlertState } from "./schedule";

const route: Route = {
  rule: 0,
  severity: "critical",
  contacts: [
    {
      id: "duty",
      channel: "email",
      address: "duty@example.org",
      language: "ro",
      quietHours: { from: "22:00", to: "07:00" },
    },
    { id: "chat", channel: "webhook", url: "https://chat.example.org/h", language: "en" },
  ],
  reminderMinutes: 60,
  escalateAfterMinutes: 30,
};
const alert: AlertState = {
  alertId: "md-p13:m1:s2:stockout:1",
  prisonId: "md-p13",
  machineId: "m1",
  slotId: "s2",
  type: "stockout",
  detail: "0 units",
  raisedAt: "2026-01-15T08:12:00Z",
  acknowledgedAt: null,
  clearedAt: null,
  firstNotifiedAt: null,
  escalatedTo: 0,
  reminders: 0,
  ackNotified: false,
  closed: false,
};
const TZ = "Europe/Chisinau";

describe("planAlert", () => {
  it("one row per (step, contact) with a deterministic key and Message-ID, readable in the contact's language", () => {
    const { rows } = planAlert(alert, route, Date.parse("2026-01-15T08:12:30Z"), TZ);
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect(r.stepKey).toBe("md-p13:m1:s2:stockout:1|raised|duty");
    expect(r.messageId).toBe(messageIdOf(r.stepKey));
    expect(r.messageId).toMatch(/^<[0-9a-f]{40}@notifier\.hrvend>$/);
    expect(r.status).toBe("pending");
    expect(r.address).toBe("duty@example.org");
    // Romanian, times in the prison's zone (08:12Z = 10:12 in Chisinau in winter), what to do, how to ack.
    expect(r.subject).toContain("Alertă nouă");
    expect(r.body).toContain("10:12");
    expect(r.body).toContain("penitenciar md-p13, aparat m1, compartiment s2");
    expect(r.body).toContain("Reaprovizionați");
    expect(r.body).toContain("hrvend alerts ack md-p13:m1:s2:stockout:1");
  });
  it("a contact in quiet hours gets the row held until they end (07:00 local)", () => {
    const { rows } = planAlert(alert, route, Date.parse("2026-01-15T21:00:00Z"), TZ); // 23:00 local
    expect(rows[0]?.status).toBe("held");
    expect(rows[0]?.holdUntil).toBe("2026-01-16T05:00:00.000Z");
  });
  it("the same step planned twice has the same key (the outbox insert is idempotent on it)", () => {
    const a = planAlert(alert, route, Date.parse("2026-01-15T08:12:30Z"), TZ).rows[0];
    const b = planAlert(alert, route, Date.parse("2026-01-15T08:13:30Z"), TZ).rows[0];
    expect(a?.stepKey).toBe(b?.stepKey);
    expect(a?.messageId).toBe(b?.messageId);
  });
});

describe("digest", () => {
  it("lists every held message, oldest first, in one message with its own stable key", () => {
    const items = [
      {
        stepKey: "b|raised|duty",
        subject: "second",
        payload: { prisonId: "md-p13" },
        createdAt: "2026-01-15T23:00:00Z",
      },
      {
        stepKey: "a|raised|duty",
        subject: "first",
        payload: { prisonId: "md-p13" },
        createdAt: "2026-01-15T21:00:00Z",
      },
    ];
    const d = renderDigest(items, "en", TZ);
    expect(d.subject).toBe("[hrvend] 2 notifications during your quiet hours");
    expect(d.body.indexOf("first")).toBeLessThan(d.body.indexOf("second"));
    expect(d.body).toContain("2026-01-15 23:00"); // 21:00Z in Chisinau
    const c = route.contacts[0]!;
    const r1 = planDigest(c, "2026-01-16T05:00:00.000Z", items, Date.parse("2026-01-16T05:00:01Z"), TZ);
    const r2 = planDigest(c, "2026-01-16T05:00:00.000Z", items, Date.parse("2026-01-16T05:03:00Z"), TZ);
    expect(r1.stepKey).toBe(r2.stepKey);
    expect(r1.status).toBe("pending");
    expect((r1.payload["items"] as unknown[]).length).toBe(2);
  });
});

describe("retryAfterMs", () => {
  it("doubles from the base and stops at the cap", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryAfterMs(n, 30, 600) / 1000)).toEqual([
      30, 60, 120, 240, 480, 600, 600, 600,
    ]);
  });
});
