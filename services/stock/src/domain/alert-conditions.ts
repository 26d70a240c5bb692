import type { AlertPolicy } from "./alert-policy";
import { type AlertType, faultAlertType } from "./alert-type";
import { lotsExpiringWithin } from "./lots";
import type { MachineState } from "./machine-state";
import { MINUTE_MS, ms } from "./time";

/** A condition that should have an active alert, since when, and why. */
export interface AlertCondition {
  type: AlertType;
  slotId: string | null;
  since: string;
  detail: string;
}

/**
 * The alert-worthy conditions of a machine at `at`. `since` is the device time the condition
 * began, taken from the state: the event that emptied the slot, the last sign of life before
 * the connection was lost, the fault's raise, the heartbeat that read the temperature.
 */
export function alertConditions(state: MachineState, at: string, policy: AlertPolicy): AlertCondition[] {
  if (!state.active) return [];
  const out: AlertCondition[] = [];
  const c = state.connection;
  if (c.status === "offline" && c.since !== null && (c.reason !== "shutdown" || policy.alertOnShutdown))
    out.push({
      type: "offline",
      slotId: null,
      since: c.since,
      detail: `offline (${c.reason}) since ${c.since}`,
    });

  for (const slot of Object.values(state.slots)) {
    const where = `slot ${slot.slotId} (${slot.itemId})`;
    if (slot.level !== null && slot.levelAt !== null) {
      if (slot.level === 0)
        out.push({ type: "stockout", slotId: slot.slotId, since: slot.levelAt, detail: `${where} is empty` });
      const min = policy.lowStockMin(state.machineId, slot.slotId);
      if (min !== undefined && slot.level < min)
        out.push({
          type: "low_stock",
          slotId: slot.slotId,
          since: slot.levelAt,
          detail: `${where} holds ${slot.level}, below its min ${min}`,
        });
    }
    const expiring = lotsExpiringWithin(slot.lots, at, policy.lotExpiringDays);
    if (expiring.length > 0)
      out.push({
        type: "lot_expiring",
        slotId: slot.slotId,
        since: at,
        detail: `${where}: ${expiring.map((l) => `lot ${l.lotId} ×${l.quantity} expires ${l.expiry}`).join(", ")}`,
      });
  }

  const h = state.health;
  const band = policy.temperatureBand;
  if (h !== null && (h.temperatureC < band.minC || h.temperatureC > band.maxC))
    out.push({
      type: "temperature_out_of_range",
      slotId: null,
      since: h.at,
      detail: `cabinet at ${h.temperatureC} °C, outside ${band.minC}–${band.maxC} °C`,
    });

  const spike = refusalSpikeSince(state.quotaRefusals ?? [], at, policy.refusalSpike);
  if (spike !== undefined)
    out.push({
      type: "refusal_spike",
      slotId: null,
      since: spike,
      detail: `${policy.refusalSpike.count}+ cards refused (quota reached) within ${policy.refusalSpike.minutes} min`,
    });

  for (const f of Object.values(state.faults)) {
    if (!f.active) continue;
    out.push({
      type: faultAlertType(f.code),
      slotId: f.slotId,
      since: f.since,
      detail: f.detail ?? `fault ${f.code}${f.slotId === null ? "" : ` on slot ${f.slotId}`}`,
    });
  }
  return out;
}

/**
 * When the window ending at `at` holds at least `count` quota refusals, the time of the refusal
 * that reached the count (the spike's start); otherwise undefined.
 */
function refusalSpikeSince(
  times: readonly string[],
  at: string,
  spike: { count: number; minutes: number },
): string | undefined {
  const end = ms(at);
  const inWindow = times.filter((t) => ms(t) <= end && ms(t) > end - spike.minutes * MINUTE_MS);
  return inWindow.length >= spike.count ? inWindow[spike.count - 1] : undefined;
}
