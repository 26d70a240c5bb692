import type { AlertPolicy } from "./alert-policy";
import { type AlertCommand, decideAlerts, evolveAlerts } from "./decide-alerts";
import type { MachineState } from "./machine-state";
import { markSilent, silentSince } from "./silence";

/**
 * Re-judges a machine as time passes without events: silence past the policy's limit (offline
 * from the last sign of life) and lots coming within their expiry window. The adapter calls it
 * on a timer with the current time, only when live (not while replaying the stream, whose device
 * times lie in the past).
 */
export function tickMachine(
  state: MachineState,
  now: string,
  policy: AlertPolicy,
): { state: MachineState; alerts: AlertCommand[] } {
  const since = silentSince(state, now, policy);
  const s = since === undefined ? state : markSilent(state, since);
  const alerts = decideAlerts(s, now, policy);
  return { state: evolveAlerts(s, alerts), alerts };
}
