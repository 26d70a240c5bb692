import { setTimeout as sleep, setImmediate as yieldToLoop } from "node:timers/promises";
import { formatLedgerLine } from "../delivery/format-ledger-line";
import { LineWriter } from "../delivery/line-writer";
import type { OutboxStore } from "../delivery/outbox-store";
import type { Sink } from "../delivery/sink";
import { OutboxStateError } from "../errors";
import type { Scenario } from "../scenario/scenario-schema";
import type { DeliveryItem } from "../sim/delivery-item";
import type { SimOutput } from "../sim/sim-output";
import { Simulation } from "../sim/simulation";

/** `max`, or simulated seconds per wall-clock second (1 = real time). */
export type Speed = "max" | number;

export interface RunOptions {
  scenario: Scenario;
  seed: string | number;
  days: number;
  /** Overrides the scenario's start (ms since epoch). */
  start?: number;
  speed: Speed;
  cardTokenKey: Uint8Array;
  sink: Sink;
  /** Ground-truth ledger (JSONL), rewritten from the start on every run, so it is identical after a resume. */
  ledgerPath?: string;
  /** Persisted outbox (MQTT mode): resume position, ack watermarks, log. */
  store?: OutboxStore;
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /** Wall clock (ms); injectable for tests. */
  wallClock?: () => number;
  /** Hands the simulation to the caller once built (tests read the card UIDs from it). */
  onSimulation?: (sim: Simulation) => void;
  /** Actions run between checks of the sink, the signal and the clock (default 20,000). */
  sliceActions?: number;
}

export interface RunProgress {
  simTime: number;
  startTime: number;
  endTime: number;
  events: number;
  backlog: number;
  catchingUp: boolean;
}

export interface RunSummary {
  scenario: string;
  seed: string;
  days: number;
  events: number;
  byKind: Record<string, number>;
  ledgerLines: number;
  wallSeconds: number;
  eventsPerSecond: number;
  completed: boolean;
  resumedFrom?: string;
}

const CHECKPOINT_MS = 1000;
const PROGRESS_MS = 200;
const BACKLOG_HIGH = 50_000;
const BACKLOG_LOW = 10_000;

/**
 * Drives a Simulation against the wall clock at the chosen speed, feeding a sink and the ledger.
 * With a store, it first regenerates up to the persisted position at full speed, skipping items
 * the broker already acknowledged, then carries on at the chosen speed (see OutboxStore).
 */
export async function runSimulation(o: RunOptions): Promise<RunSummary> {
  const wall = o.wallClock ?? (() => performance.now());
  const slice = o.sliceActions ?? 20_000;
  const ledger = o.ledgerPath ? new LineWriter(o.ledgerPath) : undefined;
  const counters = new Map<string, number>();
  const skip = o.store?.resume?.done ?? new Map<string, number>();
  const store = o.store;
  // Per source, items to regenerate before the run has passed all an earlier run may have sent.
  const need = store?.resume ? store.generatedBeforeCrash() : new Map<string, number>();
  let behind = [...need.values()].filter((n) => n > 0).length;
  // Write-ahead: items reach the sink only after their log lines reached the OS (dispatch), so
  // what the broker got is always in the log, even after kill -9.
  let queued: { item: DeliveryItem; index: number; skip: boolean }[] = [];
  const dispatch = () => {
    if (queued.length === 0) return;
    store?.flush();
    const items = queued;
    queued = [];
    for (const q of items) {
      if (q.skip) o.sink.skipped(q.item, q.index);
      else o.sink.accept(q.item, q.index);
    }
  };
  const out: SimOutput = {
    deliver(item: DeliveryItem) {
      const index = counters.get(item.source) ?? 0;
      counters.set(item.source, index + 1);
      if (index + 1 === need.get(item.source)) behind--;
      if (index < (skip.get(item.source) ?? 0)) {
        queued.push({ item, index, skip: true });
        return;
      }
      if (store && (item.type === "event" || item.type === "will")) {
        const logged = store.loggedPayload(item.source, index);
        if (logged === undefined) store.append(item.source, index, item.payload);
        else if (logged !== item.payload) {
          throw new OutboxStateError(
            `outbox item ${item.source}#${index} (${item.key}) differs from what this run generates; ` +
              "the state dir is from another build of the scenario: pass --fresh",
            { source: item.source, index, key: item.key },
          );
        }
      }
      queued.push({ item, index, skip: false });
    },
    fact(t, fact, payload) {
      ledger?.write(formatLedgerLine(t, fact, payload));
    },
  };

  const sim = new Simulation(
    o.scenario,
    {
      seed: o.seed,
      days: o.days,
      cardTokenKey: o.cardTokenKey,
      ...(o.start === undefined ? {} : { start: o.start }),
      ...(store?.resume ? { restarts: store.resume.restarts } : {}),
    },
    out,
  );
  o.onSimulation?.(sim);
  const catchUpTo = Math.min(o.store?.resume?.position ?? sim.startTime, sim.endTime);
  const wallStart = wall();
  let pacedFromWall = wallStart;
  let pacedFromSim = catchUpTo;
  let lastCheckpoint = wallStart;
  let lastProgress = 0;
  let catchingUp = o.store?.resume !== undefined;
  // Nothing of an earlier run reached the broker: no connection to lose, no restart.
  const crashed = [...need.values()].some((n) => n > 0);

  const progress = (force = false) => {
    const now = wall();
    if (!force && now - lastProgress < PROGRESS_MS) return;
    lastProgress = now;
    o.onProgress?.({
      simTime: sim.now,
      startTime: sim.startTime,
      endTime: sim.endTime,
      events: sim.stats.events,
      backlog: o.sink.backlog,
      catchingUp,
    });
  };
  const checkpoint = (complete = false) => {
    if (!store) return;
    store.checkpoint(o.sink.doneCounts(), sim.now, complete);
    lastCheckpoint = wall();
  };

  try {
    while (!sim.isFinished && !o.signal?.aborted) {
      let target: number;
      if (catchingUp && sim.now >= catchUpTo) {
        if (behind > 0) {
          // Past the checkpoint, the log may hold later items: regenerate up to the last of them.
          sim.runUntil(sim.nextTime());
          dispatch();
          if (sim.now >= sim.endTime) sim.finish();
          dispatch();
          continue;
        }
        catchingUp = false;
        // The killed process took the machines' connections with it: each connected machine
        // loses its connection and reconnects with a new birth right after the last item an
        // earlier run may have sent; recorded first, so every later resume replays it.
        const restartAt = sim.now + 1;
        if (store && crashed && restartAt < sim.endTime) {
          sim.restartAt(restartAt);
          store.recordRestart(restartAt);
          checkpoint();
        }
        pacedFromWall = wall();
        pacedFromSim = sim.now;
      }
      if (o.speed === "max") target = sim.endTime;
      else if (catchingUp) target = catchUpTo;
      else target = pacedFromSim + (wall() - pacedFromWall) * o.speed;

      const ran = sim.runUntil(target, slice);
      dispatch();
      if (ran < slice && target >= sim.endTime) {
        // A clean shutdown reuses each machine's reserved will seq: send it only once everything
        // before it is acknowledged, so a kill in between cannot find both the will and it sent.
        if (store && !catchingUp) {
          while (o.sink.backlog > 0 && !o.signal?.aborted) {
            await Promise.race([o.sink.drain(), sleep(PROGRESS_MS)]);
            progress();
            if (wall() - lastCheckpoint >= CHECKPOINT_MS) checkpoint();
          }
          if (o.signal?.aborted) break;
        }
        sim.finish();
        dispatch();
      }

      if (wall() - lastCheckpoint >= CHECKPOINT_MS) checkpoint();
      progress();
      if (o.sink.backlog > BACKLOG_HIGH) await o.sink.waitForBacklog(BACKLOG_LOW);
      if (ledger && ledger.pending > 8 * 1024 * 1024) await ledger.ready();
      if (ran === slice || o.speed === "max" || catchingUp) {
        await yieldToLoop();
      } else if (!sim.isFinished) {
        // Sleep until the next action is due in wall time, but wake often enough to stay responsive.
        const dueIn = (sim.nextTime() - sim.now) / (o.speed as number);
        await sleep(Math.max(1, Math.min(200, dueIn)));
      }
    }
    if (!o.signal?.aborted) {
      const drained = o.sink.drain();
      while (o.sink.backlog > 0 && !o.signal?.aborted) {
        await Promise.race([drained, sleep(PROGRESS_MS)]);
        progress(true);
        if (wall() - lastCheckpoint >= CHECKPOINT_MS) checkpoint();
      }
    }
    progress(true);
    checkpoint(sim.isFinished && o.sink.backlog === 0);
  } finally {
    store?.close();
    await o.sink.close();
    await ledger?.close();
  }
  const wallSeconds = (wall() - wallStart) / 1000;
  return {
    scenario: o.scenario.name,
    seed: String(o.seed),
    days: o.days,
    events: sim.stats.events,
    byKind: { ...sim.stats.byKind },
    ledgerLines: ledger?.lines ?? 0,
    wallSeconds,
    eventsPerSecond: wallSeconds > 0 ? sim.stats.events / wallSeconds : 0,
    completed: sim.isFinished && o.sink.backlog === 0,
    ...(o.store?.resume ? { resumedFrom: new Date(o.store.resume.position).toISOString() } : {}),
  };
}
