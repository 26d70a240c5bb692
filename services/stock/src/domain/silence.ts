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

/**
 * The machine reports, on reconnecting, that it lost its previous connection at `since`; the
 * broker's will for it has not been applied (it may still come, reordered behind the burst of
 * replayed events, and is then stale). The outage is recorded from that time; the birth ends it.
 */
export function markLost(state: MachineState, since: string): MachineState {
  return {
    ...state,
    connection: { ...state.connection, status: "offline", since, reason: "connection_lost" },
  };
}
