import type { AlertPolicy } from "./alert-policy";
import { type AlertCommand, decideAlerts, evolveAlerts } from "./decide-alerts";
import { evolveMachine, isDuplicate, type MachineInput } from "./evolve-machine";
import type { ItemCatalog } from "./item-catalog";
import { type LevelChange, levelChangeOf } from "./level-change";
import { usableUntil } from "./lots";
import type { MachineState } from "./machine-state";
import { markLost, markSilent, silentSince } from "./silence";
import { latest } from "./time";

/** What one event does: the next state to store, the level change to upsert, the alert commands to apply. */
export interface MachineStep {
  state: MachineState;
  levelChange: LevelChange | undefined;
  alerts: AlertCommand[];
  /** The event was applied before (same key): nothing changed and nothing is to be written. */
  duplicate: boolean;
}

/**
 * The stock service's whole reaction to one event of a machine (or its registry entry), in
 * arrival order. A sign of life after a silence longer than `policy.silenceMinutes` while the
 * machine was believed online first records that silence as an offline period (raised at the
 * last sign of life, cleared at this event). A birth that reports when the previous connection
 * was lost (`offlineSince`) records that outage even when the broker's will has not arrived
 * (reordered behind the replay burst), and restates the start of the outage it clears.
 * `arrivedAt`: the stream time the event reached the service (or was released to it), when
 * known; a silence must also be one on that clock (see silentSince).
 */
export function processMachineEvent(
  state: MachineState,
  event: MachineInput,
  policy: AlertPolicy,
  catalog: ItemCatalog = {},
  arrivedAt?: string,
): MachineStep {
  if (isDuplicate(state, event)) return { state, levelChange: undefined, alerts: [], duplicate: true };
  if (event.kind === "ref_machine") {
    const alerts: AlertCommand[] = [];
    const s = decide(evolveMachine(state, event, catalog), event.time, policy, alerts);
    return { state: s, levelChange: undefined, alerts, duplicate: false };
  }
  const alerts: AlertCommand[] = [];
  let s = state;
  const lostAt = reportedOutage(s, event);
  const signOfLife = !(event.kind === "status" && event.state === "offline");
  if (lostAt !== undefined) {
    if (s.connection.status !== "offline") s = decide(markLost(s, lostAt), lostAt, policy, alerts);
  } else if (signOfLife) {
    const since = silentSince(s, event.deviceTime, policy, arrivedAt);
    if (since !== undefined) s = decide(markSilent(s, since), since, policy, alerts);
  }
  if (signOfLife && arrivedAt !== undefined)
    s = { ...s, lastArrivedAt: latest(s.lastArrivedAt ?? null, arrivedAt) };
  const before = alerts.length;
  s = decide(evolveMachine(s, event, catalog), event.deviceTime, policy, alerts);
  // The machine's own account dates the outage this birth ends; a will only gave an estimate.
  if (lostAt !== undefined)
    for (const [i, a] of alerts.entries())
      if (i >= before && a.command === "clear" && a.type === "offline")
        alerts[i] = { ...a, raisedAt: lostAt };
  const change = levelChangeOf(event);
  const slot = change === undefined ? undefined : s.slots[change.slotId];
  const levelChange =
    change !== undefined && slot !== undefined && (slot.tracksLots || slot.lots.length > 0)
      ? { ...change, usableUntil: usableUntil(slot.lots, change.deviceTime, s.timeZone) }
      : change;
  return { state: s, levelChange, alerts, duplicate: false };
}

/** A birth of a newer connection that says when the previous one was lost. */
function reportedOutage(state: MachineState, event: MachineInput): string | undefined {
  if (event.kind !== "status" || event.state !== "online" || event.seq <= state.connection.birthSeq)
    return undefined;
  return event.offlineSince;
}

function decide(s: MachineState, at: string, policy: AlertPolicy, into: AlertCommand[]): MachineState {
  const commands = decideAlerts(s, at, policy);
  into.push(...commands);
  return evolveAlerts(s, commands);
}
