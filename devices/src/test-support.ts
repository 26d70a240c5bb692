import { cardTokenKey } from "./crypto/card-token";
import { formatLedgerLine } from "./delivery/format-ledger-line";
import { loadScenario } from "./scenario/load-scenario";
import type { Scenario } from "./scenario/scenario-schema";
import type { DeliveryItem } from "./sim/delivery-item";
import { Simulation } from "./sim/simulation";

/** The deployment secret of tests (never used outside tests). */
export const TEST_SECRET = "test-deployment-secret-not-for-production";
export const TEST_CARD_KEY = cardTokenKey(TEST_SECRET);

export interface CollectedRun {
  sim: Simulation;
  deliveries: DeliveryItem[];
  /** Payloads in arrival order (events and wills), as a file sink writes them. */
  published: string[];
  ledger: string[];
}

/** Runs a scenario to the end in memory (no I/O) and keeps everything it produced. */
export function collectRun(scenario: Scenario | string, seed: string | number, days: number): CollectedRun {
  const s = typeof scenario === "string" ? loadScenario(scenario).scenario : scenario;
  const deliveries: DeliveryItem[] = [];
  const published: string[] = [];
  const ledger: string[] = [];
  const sim = new Simulation(
    s,
    { seed, days, cardTokenKey: TEST_CARD_KEY },
    {
      deliver(item) {
        deliveries.push(item);
        if (item.type === "event" || item.type === "will") published.push(item.payload);
      },
      fact(t, fact, payload) {
        ledger.push(formatLedgerLine(t, fact, payload));
      },
    },
  );
  sim.runUntil(sim.endTime);
  sim.finish();
  return { sim, deliveries, published, ledger };
}
