import { isoInZone, isoWithOffset, offsetOf } from "@hrvend/runtime/time";
import type { AlertPolicy } from "./alert-policy";
import type { AlertCommand } from "./decide-alerts";
import type { ItemCatalog } from "./item-catalog";
import type { LevelChange } from "./level-change";
import type { MachineState } from "./machine-state";
import { processMachineEvent } from "./process-machine-event";
import { type OrderClock, releaseOverdue, type SeqOrder, type SkippedGap } from "./seq-order";
import { tickMachine } from "./tick-machine";
import { ms } from "./time";

export interface LiveTick {
  state: MachineState;
  order: SeqOrder;
  levelChanges: LevelChange[];
  alerts: AlertCommand[];
  skipped: SkippedGap[];
  /** Whether anything is to be stored. */
  changed: boolean;
}

/**
 * The machine's own clock now, estimated from the service's clock: its latest device time plus
 * the time passed since that event reached the stream. Device times date every alert (a
 * simulated or skewed clock stays consistent), while only real time passes for silence. Written
 * in the prison's time zone when known (local days for lot expiry), else at the device's offset.
 */
export function deviceNow(state: MachineState, order: SeqOrder, now: string): string | undefined {
  if (state.lastSeenAt === null || order.arrivedAt == null) return undefined;
  const t = ms(state.lastSeenAt) + Math.max(0, ms(now) - ms(order.arrivedAt));
  return state.timeZone ? isoInZone(t, state.timeZone) : isoWithOffset(t, offsetOf(state.lastSeenAt));
}

/**
 * What the live timer does to one machine at `now` (the service's clock), never while the
 * service replays its stream: releases events held past the gap bound, then, for a machine
 * believed online, judges silence and lot expiry at its estimated clock (tickMachine). Pure; the adapter stores the result
 * under the machine's row lock, like a batch.
 */
export function liveTick(
  stored: { machine: MachineState; order: SeqOrder },
  now: string,
  policy: AlertPolicy,
  boundMs: number,
  catalog: ItemCatalog = {},
): LiveTick {
  const clock: OrderClock = { at: now, boundMs };
  const released = releaseOverdue(stored.order, clock);
  let state = stored.machine;
  const levelChanges: LevelChange[] = [];
  const alerts: AlertCommand[] = [];
  for (const e of released.ready) {
    const step = processMachineEvent(state, e, policy, catalog, now);
    if (step.duplicate) continue;
    state = step.state;
    if (step.levelChange) levelChanges.push(step.levelChange);
    alerts.push(...step.alerts);
  }
  const at = deviceNow(state, released.order, now);
  // Only while the machine is believed online does its clock run with ours; an offline machine's
  // lots are judged at its next event (and its outage is already an alert).
  if (at !== undefined && state.active && state.connection.status === "online") {
    const tick = tickMachine(state, at, policy);
    state = tick.state;
    alerts.push(...tick.alerts);
  }
  const changed = released.order !== stored.order || state !== stored.machine;
  return { state, order: released.order, levelChanges, alerts, skipped: released.skipped, changed };
}
