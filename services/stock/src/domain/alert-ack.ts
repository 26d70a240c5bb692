import { type EventOf, parseEvent } from "@hrvend/schemas";
import type { Alert } from "./alert";
import { AlertLifecycleError } from "./errors";

/**
 * A seq for an operator's event that no earlier one of the same source has: microseconds since
 * the epoch (an operator's tool keeps no counter on disk; two acknowledgements never share a
 * microsecond from one person's terminal, and a clash would be a recorded duplicate_seq, not a
 * silent loss). Below Number.MAX_SAFE_INTEGER until the year 2255.
 */
export function operatorSeq(nowMs: number, micros: number): number {
  return nowMs * 1000 + (Math.floor(micros) % 1000);
}

/**
 * Someone has seen the alert and is on it (docs/domain.md: raised → acknowledged → cleared). The
 * acknowledgement is an event of the stream from the operator's source (kind `alert_ack`), so
 * the stock service applies it like everything else and a rebuild from the stream keeps it. A
 * cleared alert cannot be acknowledged. Validated against the one contract before it leaves.
 */
export function alertAckEvent(o: {
  alert: Alert;
  by: string;
  operatorId: string;
  now: string;
  seq: number;
}): EventOf<"alert_ack"> {
  const a = o.alert;
  if (a.clearedAt !== null)
    throw new AlertLifecycleError(`alert ${a.id} was cleared at ${a.clearedAt}; nothing to acknowledge`, {
      alertId: a.id,
      action: "acknowledge",
    });
  if (a.prisonId === null)
    throw new AlertLifecycleError(`alert ${a.id} names no prison; it cannot be routed`, {
      alertId: a.id,
      action: "acknowledge",
    });
  return parseEvent({
    v: 1,
    kind: "alert_ack",
    prisonId: a.prisonId,
    sourceId: o.operatorId,
    seq: o.seq,
    time: o.now,
    machineId: a.machineId,
    alertId: a.id,
    by: o.by,
  }) as EventOf<"alert_ack">;
}
