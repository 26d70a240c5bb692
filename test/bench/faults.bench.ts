import { runFaults } from "../support/faults";
import { reconcileCoverage, reconcileRecorder, reconcileReorder, reconcileStock } from "../support/reconcile";

export interface FaultsBench {
  seed: number;
  scenario: string;
  days: number;
  events: number;
  /** Per component: seconds from its SIGKILL until every consumer had committed all the stream held at the kill. */
  recoverySeconds: Record<string, number>;
  /** Every figure reconciled with the ledger after all the faults. */
  figuresEqualLedger: boolean;
  seconds: number;
}

/**
 * The fault run of test/e2e/faults.e2e.test.ts (the same seed): each component SIGKILLed once
 * during a small 30-day run; records each one's recovery time and whether the figures still
 * reconcile with the ledger.
 */
export async function faultsBench(log: (s: string) => void, seed = 8): Promise<FaultsBench> {
  const run = await runFaults({ seed, log: (s) => log(`faults: ${s}`) });
  try {
    let ok = true;
    try {
      await reconcileRecorder(run.pipeline.db, run.facts);
      await reconcileStock(run.pipeline.db, run.facts);
      await reconcileReorder(run.pipeline.db, run.facts, run.pipeline.scenario);
      await reconcileCoverage(run.pipeline.db, run.facts);
    } catch (e) {
      log(`faults: figures differ from the ledger: ${(e as Error).message.slice(0, 500)}`);
      ok = false;
    }
    return {
      seed,
      scenario: run.scenario,
      days: run.days,
      events: run.events,
      recoverySeconds: Object.fromEntries(run.faults.map((f) => [f.component, f.recoverySeconds])),
      figuresEqualLedger: ok && run.simulatorExit === 0,
      seconds: run.seconds,
    };
  } finally {
    await run.pipeline.stop();
  }
}
