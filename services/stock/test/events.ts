import type { EventOf } from "@hrvend/schemas";
import type { LotQuantity } from "../src/domain/lots";

/** Test helper: a device time on 2026-03-23 at +02:00 from "HH:MM" (or "D HH:MM" for later days); full ISO passes through. */
export function at(hhmm: string): string {
  if (hhmm.includes("T")) return hhmm;
  const [day, time] = hhmm.includes(" ") ? (hhmm.split(" ") as [string, string]) : ["0", hhmm];
  const date = new Date(Date.UTC(2026, 2, 23 + Number(day))).toISOString().slice(0, 10);
  return `${date}T${time}:00.000+02:00`;
}

const ITEM: Record<string, string> = { s1: "syringe-kit", s2: "naloxone-nasal" };

/** Test helper: events of one machine (slot s1 holds syringe kits, s2 naloxone), with explicit seq and time. */
export function machineEvents(machineId = "m1", prisonId = "p1") {
  const env = (seq: number, time: string) => ({
    v: 1 as const,
    prisonId,
    machineId,
    seq,
    deviceTime: at(time),
  });
  const itemId = (slotId: string) => ITEM[slotId] ?? "syringe-kit";
  return {
    /** A birth; `offlineSince`: when the machine says it lost its previous connection. */
    online: (seq: number, time: string, offlineSince?: string): EventOf<"status"> => ({
      ...env(seq, time),
      kind: "status",
      state: "online",
      reason: "connect",
      ...(offlineSince === undefined ? {} : { offlineSince: at(offlineSince) }),
    }),
    /** The will: its deviceTime is the connect time of its connection. */
    will: (seq: number, connectedAt: string): EventOf<"status"> => ({
      ...env(seq, connectedAt),
      kind: "status",
      state: "offline",
      reason: "connection_lost",
    }),
    shutdown: (seq: number, time: string): EventOf<"status"> => ({
      ...env(seq, time),
      kind: "status",
      state: "offline",
      reason: "shutdown",
    }),
    heartbeat: (
      seq: number,
      time: string,
      over: Partial<Pick<EventOf<"heartbeat">, "temperatureC" | "door" | "power" | "batteryPct">> = {},
    ): EventOf<"heartbeat"> => ({
      ...env(seq, time),
      kind: "heartbeat",
      temperatureC: 22.5,
      door: "closed",
      power: "mains",
      batteryPct: 100,
      firmware: "hrv-2.4.1",
      uptimeS: 1000,
      ...over,
    }),
    dispense: (
      seq: number,
      time: string,
      slotId: string,
      stockAfter: number,
      lotId?: string,
    ): EventOf<"dispense"> => ({
      ...env(seq, time),
      kind: "dispense",
      slotId,
      itemId: itemId(slotId),
      cardToken: "q3Zr8Kx0bTfW1nLpYc7uGw",
      quantity: 1,
      ...(lotId === undefined ? {} : { lotId }),
      stockAfter,
    }),
    restock: (
      seq: number,
      time: string,
      slotId: string,
      quantity: number,
      stockAfter: number,
      lots?: LotQuantity[],
    ): EventOf<"restock"> => ({
      ...env(seq, time),
      kind: "restock",
      slotId,
      itemId: itemId(slotId),
      quantity,
      stockAfter,
      ...(lots === undefined ? {} : { lots }),
    }),
    adjust: (
      seq: number,
      time: string,
      slotId: string,
      delta: number,
      stockAfter: number,
      reason: EventOf<"stock_adjustment">["reason"] = "count",
      lotId?: string,
    ): EventOf<"stock_adjustment"> => ({
      ...env(seq, time),
      kind: "stock_adjustment",
      slotId,
      itemId: itemId(slotId),
      reason,
      delta,
      stockAfter,
      ...(lotId === undefined ? {} : { lotId }),
    }),
    fault: (
      seq: number,
      time: string,
      code: EventOf<"fault">["code"],
      state: "raised" | "cleared",
      slotId?: string,
    ): EventOf<"fault"> => ({
      ...env(seq, time),
      kind: "fault",
      code,
      state,
      ...(slotId === undefined ? {} : { slotId }),
    }),
    refused: (seq: number, time: string, slotId: string): EventOf<"dispense_refused"> => ({
      ...env(seq, time),
      kind: "dispense_refused",
      slotId,
      itemId: itemId(slotId),
      cardToken: "q3Zr8Kx0bTfW1nLpYc7uGw",
      reason: "quota",
    }),
    registry: (
      slots: { slotId: string; capacity: number }[] = [
        { slotId: "s1", capacity: 20 },
        { slotId: "s2", capacity: 8 },
      ],
      active = true,
    ): EventOf<"ref_machine"> => ({
      v: 1,
      kind: "ref_machine",
      prisonId,
      sourceId: "registry",
      seq: 1,
      time: "2026-03-22T22:00:00.000Z",
      machineId,
      location: "Block A",
      active,
      slots: slots.map((s) => ({ ...s, itemId: itemId(s.slotId) })),
    }),
  };
}
