import type { AlertPolicy } from "./alertPolicy";
import type { MachineState } from "./machineState";
import { MINUTE_MS, ms } from "./time";

/**
 * When an online machine has been silent longer than the policy allows at `at`, the start of
 * that silence (its last sign of life); otherwise undefined. Covers a machine that went dark
 * without the broker announcing it (no will yet, or none at all).
 */
export function silentSince(state: MachineState, at: string, policy: AlertPolicy): string | undefined {
  const last = state.lastSeenAt;
  if (state.connection.status !== "online" || last === null) return undefined;
  return ms(at) - ms(last) > policy.silenceMinutes * MINUTE_MS ? last : undefined;
}

/** The machine is offline since `since`, for silence; its next newer sign of life or birth ends that. */
export function markSilent(state: MachineState, since: string): MachineState {
  return { ...state, connection: { ...state.connection, status: "offline", since, reason: "silence" } };
}
