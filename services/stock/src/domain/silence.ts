import type { AlertPolicy } from "./alert-policy";
import type { MachineState } from "./machine-state";
import { MINUTE_MS, ms } from "./time";

/**
 * When an online machine has been silent longer than the policy allows at `at`, the start of
 * that silence (its last sign of life); otherwise undefined. Covers a machine that went dark
 * without the broker announcing it (no will yet, or none at all).
 *
 * `arrivedAt`, when known, is the stream time of the event that ends the silence: silence is
 * real time, so the service must also have heard nothing from the machine for that long. A gap
 * in device times that reached the stream within seconds is a burst the machine buffered while
 * its connection was down (at a fast replay, with its will still in flight on another gateway
 * connection); its birth, next in seq, dates that outage itself.
 */
export function silentSince(
  state: MachineState,
  at: string,
  policy: AlertPolicy,
  arrivedAt?: string,
): string | undefined {
  const last = state.lastSeenAt;
  if (state.connection.status !== "online" || last === null) return undefined;
  const limit = policy.silenceMinutes * MINUTE_MS;
  if (ms(at) - ms(last) <= limit) return undefined;
  const heard = state.lastArrivedAt;
  if (arrivedAt !== undefined && heard != null && ms(arrivedAt) - ms(heard) <= limit) return undefined;
  return last;
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
