import { type EventOf, type HrEvent, isMachineEvent } from "@hrvend/schemas";
import type { AlertPolicy } from "./alert-policy";
import type { AlertCommand } from "./decide-alerts";
import type { MachineInput } from "./evolve-machine";
import { evolveCatalog, type ItemCatalog, type ItemInfo } from "./item-catalog";
import type { LevelChange } from "./level-change";
import { initialMachineState, type MachineState } from "./machine-state";
import { processMachineEvent } from "./process-machine-event";
import { admitInOrder, markDead, NEW_SEQ_ORDER, type SeqOrder, type SkippedGap } from "./seq-order";

/** A machine's domain state and its seq-order buffer, as stored (one row per machine). */
export interface StoredMachine {
  machine: MachineState;
  order: SeqOrder;
}

/** One stream message: the event, and when the stream stored it (the gap bound's clock). */
export interface Arrival {
  event: HrEvent;
  at: string;
}

/** A dead letter as the stock service needs it: which machine's seq will never be in the stream. */
export interface DeadSeq {
  machineId: string;
  seq: number;
  reason: string;
  receivedAt: string;
}

/** A seq gap passed over, with its machine. */
export type MachineGap = SkippedGap & { machineId: string };

/** What a batch (or the dead-letter consumer's batch) changed: to be written in one transaction. */
export interface BatchEffects {
  /** The machines the batch touched, their states after it. */
  machines: Map<string, StoredMachine>;
  levelChanges: LevelChange[];
  /** Alert commands, in order, to apply to the alert records. */
  commands: AlertCommand[];
  /** Seq gaps passed over (dead-lettered seqs, or gaps that outlived the bound). */
  skipped: MachineGap[];
  duplicates: number;
}

/** What a batch of the events stream changed, beyond the machines: reference data and acknowledgements. */
export interface EventBatchEffects extends BatchEffects {
  /** Items as the catalog holds them after each `ref_item`, in order (upserts). */
  items: { itemId: string; info: ItemInfo }[];
  /** Prisons' time zones from `ref_prison`, in order (upserts). */
  prisons: { prisonId: string; timeZone: string }[];
  acks: EventOf<"alert_ack">[];
}

/** What the fold over a batch starts from (the machines it touches, as stored and locked). */
export interface BatchState {
  catalog: ItemCatalog;
  /** Prisons' time zones. */
  zones: ReadonlyMap<string, string>;
  /** The stored machines among the batch's. */
  machines: ReadonlyMap<string, StoredMachine>;
  /** For a machine not stored yet: the seqs already known to be dead-lettered (they do not block it). */
  deadSeqsOf: (machineId: string) => readonly number[];
}

function isMachineInput(e: HrEvent): e is MachineInput {
  return isMachineEvent(e) || e.kind === "ref_machine";
}

/** The machines a batch's events belong to (their rows are locked and loaded before the fold). */
export function machinesOf(arrivals: readonly Arrival[]): string[] {
  return [...new Set(arrivals.flatMap(({ event: e }) => (isMachineInput(e) ? [e.machineId] : [])))];
}

/** A machine seen for the first time: the seqs already known to be dead-lettered do not block it. */
function newStoredMachine(machineId: string, deadSeqs: readonly number[]): StoredMachine {
  return { machine: initialMachineState(machineId), order: { ...NEW_SEQ_ORDER, dead: [...deadSeqs] } };
}

function withZone(
  m: MachineState,
  zones: ReadonlyMap<string, string>,
  prisonId: string | null,
): MachineState {
  const tz = prisonId === null ? undefined : zones.get(prisonId);
  return tz === undefined || m.timeZone === tz ? m : { ...m, timeZone: tz };
}

/**
 * A batch of the events stream, in arrival order: reference data first as it comes (items,
 * prisons' time zones), each machine's events put back in seq order (the gap bound on the
 * stream's clock, `at`) and applied, acknowledgements collected. Pure; the adapter writes the
 * effects with the stream position in one transaction.
 */
export function applyArrivals(
  state: BatchState,
  arrivals: readonly Arrival[],
  policy: AlertPolicy,
  gapBoundMs: number,
): EventBatchEffects {
  let catalog = state.catalog;
  const zones = new Map(state.zones);
  const stored = new Map(state.machines);
  const machines = new Map<string, StoredMachine>();
  const out: EventBatchEffects = {
    machines,
    levelChanges: [],
    commands: [],
    skipped: [],
    duplicates: 0,
    items: [],
    prisons: [],
    acks: [],
  };
  for (const { event: e, at } of arrivals) {
    if (e.kind === "ref_item") {
      catalog = evolveCatalog(catalog, e);
      out.items.push({ itemId: e.itemId, info: catalog[e.itemId] as ItemInfo });
      continue;
    }
    if (e.kind === "ref_prison") {
      zones.set(e.prisonId, e.timeZone);
      out.prisons.push({ prisonId: e.prisonId, timeZone: e.timeZone });
      continue;
    }
    if (e.kind === "alert_ack") {
      out.acks.push(e);
      continue;
    }
    if (!isMachineInput(e)) continue;
    const current = stored.get(e.machineId) ?? newStoredMachine(e.machineId, state.deadSeqsOf(e.machineId));
    const admitted = admitInOrder(current.order, e, { at, boundMs: gapBoundMs });
    let machine = withZone(current.machine, zones, e.prisonId);
    for (const ready of admitted.ready) {
      const step = processMachineEvent(machine, ready, policy, catalog, at);
      if (step.duplicate) {
        out.duplicates++;
        continue;
      }
      machine = withZone(step.state, zones, step.state.prisonId);
      if (step.levelChange) out.levelChanges.push(step.levelChange);
      out.commands.push(...step.alerts);
    }
    for (const g of admitted.skipped) out.skipped.push({ ...g, machineId: e.machineId });
    const next = { machine, order: admitted.order };
    stored.set(e.machineId, next);
    machines.set(e.machineId, next);
  }
  return out;
}

/**
 * Seqs the gateway dead-lettered, for the machines already stored: each is skipped at once in
 * its machine's order and the events held behind it are applied now (at the dead letter's
 * time). Every machine given is returned (stored again), changed or not.
 */
export function applyDeadSeqs(
  stored: ReadonlyMap<string, StoredMachine>,
  dead: readonly DeadSeq[],
  policy: AlertPolicy,
  catalog: ItemCatalog,
): BatchEffects {
  const machines = new Map(stored);
  const out: BatchEffects = { machines, levelChanges: [], commands: [], skipped: [], duplicates: 0 };
  for (const d of dead) {
    const current = machines.get(d.machineId);
    if (current === undefined) continue;
    const r = markDead(current.order, d.seq, { at: d.receivedAt, boundMs: Number.POSITIVE_INFINITY });
    let machine = current.machine;
    for (const e of r.ready) {
      const step = processMachineEvent(machine, e, policy, catalog, d.receivedAt);
      if (step.duplicate) {
        out.duplicates++;
        continue;
      }
      machine = step.state;
      if (step.levelChange) out.levelChanges.push(step.levelChange);
      out.commands.push(...step.alerts);
    }
    for (const g of r.skipped) out.skipped.push({ ...g, machineId: d.machineId });
    machines.set(d.machineId, { machine, order: r.order });
  }
  return out;
}
