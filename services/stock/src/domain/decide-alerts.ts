import { alertConditions } from "./alert-conditions";
import type { AlertPolicy } from "./alert-policy";
import type { AlertType } from "./alert-type";
import { alertKey, type MachineState } from "./machine-state";
import { latest } from "./time";

interface AlertSubject {
  /** Stable across rebuilds: machine, slot, type and the device time it was raised at. */
  alertId: string;
  machineId: string;
  prisonId: string | null;
  slotId: string | null;
  type: AlertType;
  /** Device time (ISO with the prison's offset). */
  at: string;
}

export type AlertCommand =
  | (AlertSubject & { command: "raise"; detail: string })
  /** `raisedAt`: the condition's start restated by the machine itself (an outage it dated on reconnecting). */
  | (AlertSubject & { command: "clear"; raisedAt?: string });

/**
 * Raises an alert for every condition that has none, clears every alert whose condition has
 * ended. Raise times are the conditions' `since` (device times); clears happen at `at`, the
 * device time of the event that ended the condition (never before the raise). Time-dependent
 * conditions (lot expiry) are judged at the latest device time seen, so a late event cannot
 * turn the clock back.
 */
export function decideAlerts(state: MachineState, at: string, policy: AlertPolicy): AlertCommand[] {
  const now = latest(state.lastSeenAt, at);
  const wanted = new Map(alertConditions(state, now, policy).map((c) => [alertKey(c.type, c.slotId), c]));
  const base = { machineId: state.machineId, prisonId: state.prisonId };
  const commands: AlertCommand[] = [];
  for (const [key, a] of Object.entries(state.alerts)) {
    if (wanted.has(key)) continue;
    commands.push({
      command: "clear",
      ...base,
      alertId: a.id,
      slotId: a.slotId,
      type: a.type,
      at: latest(a.raisedAt, at),
    });
  }
  for (const [key, c] of wanted) {
    if (key in state.alerts) continue;
    commands.push({
      command: "raise",
      ...base,
      alertId: `${state.machineId}/${c.slotId ?? "-"}/${c.type}/${c.since}`,
      slotId: c.slotId,
      type: c.type,
      at: c.since,
      detail: c.detail,
    });
  }
  return commands;
}

/** Records raised alerts as active in the machine's state and forgets cleared ones. */
export function evolveAlerts(state: MachineState, commands: readonly AlertCommand[]): MachineState {
  if (commands.length === 0) return state;
  const alerts = { ...state.alerts };
  for (const c of commands) {
    const key = alertKey(c.type, c.slotId);
    if (c.command === "raise")
      alerts[key] = { id: c.alertId, type: c.type, slotId: c.slotId, raisedAt: c.at };
    else if (alerts[key]?.id === c.alertId) delete alerts[key];
  }
  return { ...state, alerts };
}
