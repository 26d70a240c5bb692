import type { AlertPolicy } from "./alertPolicy";
import { type AlertCommand, decideAlerts, evolveAlerts } from "./decideAlerts";
import { evolveMachine, isDuplicate, type MachineInput } from "./evolveMachine";
import type { ItemCatalog } from "./itemCatalog";
import { type LevelChange, levelChangeOf } from "./levelChangeOf";
import type { MachineState } from "./machineState";
import { markSilent, silentSince } from "./silence";

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
 * last sign of life, cleared at this event).
 */
export function processMachineEvent(
  state: MachineState,
  event: MachineInput,
  policy: AlertPolicy,
  catalog: ItemCatalog = {},
): MachineStep {
  if (isDuplicate(state, event)) return { state, levelChange: undefined, alerts: [], duplicate: true };
  const alerts: AlertCommand[] = [];
  let s = state;
  let at: string;
  if (event.kind === "ref_machine") at = event.time;
  else {
    at = event.deviceTime;
    const isOffline = event.kind === "status" && event.state === "offline";
    const since = isOffline ? undefined : silentSince(s, at, policy);
    if (since !== undefined) s = decide(markSilent(s, since), since, policy, alerts);
  }
  s = decide(evolveMachine(s, event, catalog), at, policy, alerts);
  const levelChange = event.kind === "ref_machine" ? undefined : levelChangeOf(event);
  return { state: s, levelChange, alerts, duplicate: false };
}

function decide(s: MachineState, at: string, policy: AlertPolicy, into: AlertCommand[]): MachineState {
  const commands = decideAlerts(s, at, policy);
  into.push(...commands);
  return evolveAlerts(s, commands);
}
