import { join } from "node:path";
import { type Fact, ledgerFacts } from "./ledger";
import { CONSUMERS, type Component, Pipeline, SERVERS, SERVICES } from "./pipeline";

export interface FaultRecovery {
  component: Component;
  /** Stream sequence when it was killed (how far the run was). */
  atStreamSeq: number;
  /** How long it stayed dead before the restart (seeded). */
  downMs: number;
  /**
   * From the SIGKILL until every consumer had committed everything the stream held at the kill
   * (the system has caught up with all that happened before the fault), in seconds.
   */
  recoverySeconds: number;
  /** Whether the simulator was still publishing when the component was killed (the fault landed mid-run). */
  simulatorRunning: boolean;
}

export interface FaultRun {
  seed: number;
  scenario: string;
  days: number;
  speed: number;
  events: number;
  faults: FaultRecovery[];
  simulatorExit: number | null;
  seconds: number;
  facts: Fact[];
  pipeline: Pipeline;
}

/** A small seeded PRNG (mulberry32): the same seed kills the same components in the same order with the same pauses. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a scenario through the whole pipeline while SIGKILLing every component once, one at a
 * time, in a seeded order at seeded moments, restarting each after a seeded pause and waiting
 * for the system to catch up before the next. Resolves when the simulator is done and every
 * consumer has committed the whole stream; the caller reconciles and stops `pipeline`.
 */
export async function runFaults(opts: {
  seed: number;
  scenario?: string;
  days?: number;
  /**
   * Simulated seconds per real second: slow enough that every fault lands mid-run (30 days at
   * 12,000× last 216 s; the eight kills with their recoveries took 60–90 s on 2 cores).
   */
  speed?: number;
  /** Which components to kill (default: all eight), in seeded order. */
  components?: readonly Component[];
  log?: (s: string) => void;
}): Promise<FaultRun> {
  const t0 = performance.now();
  const scenario = opts.scenario ?? "small";
  const days = opts.days ?? 30;
  const speed = opts.speed ?? 12_000;
  const log = opts.log ?? (() => undefined);
  const rand = prng(opts.seed);
  const order: Component[] = [...(opts.components ?? [...SERVICES, ...SERVERS])];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j] as Component, order[i] as Component];
  }
  const pipeline = await Pipeline.start(scenario, `faults-${opts.seed}`);
  try {
    const ledger = join(pipeline.dir, "ledger.jsonl");
    const sim = pipeline.simulate([
      ...["--scenario", scenario, "--days", String(days), "--seed", "42"],
      ...["--speed", String(speed), "--ledger", ledger],
    ]);
    let simExit: number | null | undefined;
    void sim.exited.then((c) => {
      simExit = c;
    });
    // Let the run get going.
    for (;;) {
      const s = await pipeline.streamState().catch(() => undefined);
      if ((s?.lastSeq ?? 0) > 500 || simExit !== undefined) break;
      await sleep(200);
    }
    const faults: FaultRecovery[] = [];
    for (const c of order) {
      await sleep(500 + rand() * 2500);
      const before = (await pipeline.streamState()).lastSeq;
      const simulatorRunning = simExit === undefined;
      if (!simulatorRunning) log(`the run has ended before the kill of ${c}: it does not land mid-run`);
      const downMs = Math.round(300 + rand() * 1700);
      const killedAt = performance.now();
      log(`SIGKILL ${c} at stream seq ${before}; restart in ${downMs} ms`);
      await pipeline.kill(c);
      await sleep(downMs);
      await pipeline.restart(c);
      const deadline = Date.now() + 180_000;
      for (;;) {
        const at = await pipeline.positions().catch(() => undefined);
        if (at !== undefined && CONSUMERS.every((k) => at[k] >= before)) break;
        if (Date.now() > deadline)
          throw new Error(
            `no recovery from the loss of ${c} within 180 s: positions ${JSON.stringify(at)}, wanted ${before}`,
          );
        await sleep(100);
      }
      const recoverySeconds = Math.round((performance.now() - killedAt) / 100) / 10;
      log(`${c}: caught up in ${recoverySeconds} s`);
      faults.push({ component: c, atStreamSeq: before, downMs, recoverySeconds, simulatorRunning });
    }
    const exit = await sim.exited;
    const facts = ledgerFacts(ledger);
    const events = facts.filter((f) => f.fact === "event").length;
    log(`simulator done (${events} events); waiting for every consumer`);
    await pipeline.settle(events);
    return {
      seed: opts.seed,
      scenario,
      days,
      speed,
      events,
      faults,
      simulatorExit: exit,
      seconds: Math.round((performance.now() - t0) / 100) / 10,
      facts,
      pipeline,
    };
  } catch (e) {
    await pipeline.stop();
    throw e;
  }
}
