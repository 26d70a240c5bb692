import { describe, expect, it } from "vitest";
import { benchFile, benchGenerator } from "./simulator-bench";

describe("simulator benchmark", () => {
  it("reports events per second for the generator and for a file", async () => {
    const g = benchGenerator({ scenario: "small", days: 1, secret: "bench-test-secret-0123456789" });
    const f = await benchFile({ scenario: "small", days: 1, secret: "bench-test-secret-0123456789" });
    for (const r of [g, f]) {
      expect(r.events).toBeGreaterThan(500);
      expect(r.eventsPerSecond).toBeGreaterThan(0);
    }
    expect(f.bytes).toBeGreaterThan(100_000);
  });
});
