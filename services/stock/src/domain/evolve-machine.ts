import { type EventOf, eventKey, type MachineEvent } from "@hrvend/schemas";
import { MachineMismatchError } from "./errors";
import type { ItemCatalog } from "./item-catalog";
import { addLots, type LotState, takeFefo, takeFromLot } from "./lots";
import { type Connection, faultKey, type MachineState, type SlotState } from "./machine-state";
import { hasSeen, markSeen, reserveSeq } from "./seen-seqs";
import { latest, ms } from "./time";

/** What a machine's state is built from: its own events, and its registry entry. */
export type MachineInput = MachineEvent | EventOf<"ref_machine">;

type StockEvent = EventOf<"dispense" | "restock" | "stock_adjustment">;

/** True when this event (by key) was already applied; applying it again would change nothing. */
export function isDuplicate(state: MachineState, event: MachineInput): boolean {
  return event.kind !== "ref_machine" && hasSeen(state.seen, event.seq);
}

/**
 * Applies one event, in arrival order, to a machine's state. Pure. A duplicate returns the same
 * state. Current values (stock level, heartbeat, faults, connection) follow the highest seq, so a
 * late arrival of a lower seq never moves them; lot quantities are sums, so they come out the
 * same in any order.
 */
export function evolveMachine(
  state: MachineState,
  event: MachineInput,
  catalog: ItemCatalog = {},
): MachineState {
  if (event.machineId !== state.machineId)
    throw new MachineMismatchError({
      stateMachineId: state.machineId,
      eventMachineId: event.machineId,
      key: eventKey(event),
    });
  if (event.kind === "ref_machine") return applyRegistry(state, event, catalog);
  if (hasSeen(state.seen, event.seq)) return state;

  const t = event.deviceTime;
  const isOffline = event.kind === "status" && event.state === "offline";
  let s: MachineState = {
    ...state,
    prisonId: event.prisonId,
    seen: markSeen(state.seen, event.seq),
    connection: connectionAfter(state, event),
    lastSeenAt: isOffline ? state.lastSeenAt : latest(state.lastSeenAt, t),
  };
  switch (event.kind) {
    case "dispense":
    case "restock":
    case "stock_adjustment":
      s = applyStock(s, event, catalog);
      break;
    case "heartbeat":
      if (event.seq > (s.health?.seq ?? 0))
        s = {
          ...s,
          health: {
            seq: event.seq,
            at: t,
            temperatureC: event.temperatureC,
            door: event.door,
            power: event.power,
            batteryPct: event.batteryPct ?? null,
            firmware: event.firmware,
            uptimeS: event.uptimeS,
          },
        };
      break;
    case "fault": {
      const slotId = event.slotId ?? null;
      const key = faultKey(event.code, slotId);
      const prev = s.faults[key];
      if (prev !== undefined && prev.seq > event.seq) break;
      const active = event.state === "raised";
      // A repeated raise keeps the time the fault started.
      const since = active && prev?.active ? prev.since : t;
      s = {
        ...s,
        faults: {
          ...s.faults,
          [key]: { code: event.code, slotId, active, seq: event.seq, since, detail: event.detail ?? null },
        },
      };
      break;
    }
    case "status":
      if (event.state === "online") s = { ...s, seen: reserveSeq(s.seen, event.seq + 1) };
      break;
    case "dispense_refused":
      if (event.reason === "quota") s = { ...s, quotaRefusals: insertTime(s.quotaRefusals ?? [], t) };
      break;
  }
  return s;
}

/**
 * Online from a birth (status online) to its will or shutdown. The will's deviceTime is the
 * connect time (its payload is fixed at CONNECT), so the outage is taken to start at the last
 * sign of life before the will arrived. A will older than the current connection (seq ≤ its
 * birth) is stale (e.g. published by the broker after a takeover) and changes nothing.
 */
function connectionAfter(state: MachineState, event: MachineEvent): Connection {
  const c = state.connection;
  const t = event.deviceTime;
  if (event.kind === "status") {
    if (event.seq <= c.birthSeq) return c;
    if (event.state === "online")
      return { status: "online", since: t, reason: "connect", birthSeq: event.seq };
    if (c.status === "offline") return { ...c, reason: event.reason };
    const since = event.reason === "shutdown" ? t : (state.lastSeenAt ?? t);
    return { status: "offline", since, reason: event.reason, birthSeq: c.birthSeq };
  }
  if (c.status === "unknown")
    return { status: "online", since: t, reason: "sign_of_life", birthSeq: c.birthSeq };
  // Only a birth ends an outage the broker announced; a sign of life after silence ends that.
  if (c.status === "offline" && c.reason === "silence" && c.since !== null && ms(t) > ms(c.since))
    return { status: "online", since: t, reason: "sign_of_life", birthSeq: c.birthSeq };
  return c;
}

function applyStock(s: MachineState, e: StockEvent, catalog: ItemCatalog): MachineState {
  const slot = s.slots[e.slotId] ?? newSlot(e.slotId, e.itemId, null, catalog);
  const lots = lotsAfter(slot, e);
  const newer = e.seq > slot.levelSeq;
  const next: SlotState = {
    ...slot,
    lots,
    ...(newer ? { level: e.stockAfter, levelSeq: e.seq, levelAt: e.deviceTime } : {}),
  };
  return { ...s, slots: { ...s.slots, [e.slotId]: next } };
}

function lotsAfter(slot: SlotState, e: StockEvent): LotState[] {
  const tracked = slot.tracksLots || slot.lots.length > 0;
  switch (e.kind) {
    case "restock":
      return e.lots === undefined ? slot.lots : addLots(slot.lots, e.lots);
    case "dispense":
      if (e.lotId !== undefined) return takeFromLot(slot.lots, e.lotId, e.quantity);
      return tracked ? takeFefo(slot.lots, e.quantity) : slot.lots;
    case "stock_adjustment":
      if (e.lotId !== undefined) return takeFromLot(slot.lots, e.lotId, -e.delta);
      // Units found by a count have no lot to go to; removals leave first-expiry-first-out.
      return tracked && e.delta < 0 ? takeFefo(slot.lots, -e.delta) : slot.lots;
  }
}

function applyRegistry(s: MachineState, e: EventOf<"ref_machine">, catalog: ItemCatalog): MachineState {
  const slots = { ...s.slots };
  for (const r of e.slots) {
    const old = slots[r.slotId];
    const fresh = newSlot(r.slotId, r.itemId, r.capacity, catalog);
    slots[r.slotId] =
      old === undefined
        ? fresh
        : {
            ...old,
            itemId: r.itemId,
            capacity: r.capacity,
            category: fresh.category,
            tracksLots: fresh.tracksLots,
          };
  }
  return { ...s, prisonId: e.prisonId, location: e.location, active: e.active, slots };
}

function newSlot(slotId: string, itemId: string, capacity: number | null, catalog: ItemCatalog): SlotState {
  const item = catalog[itemId];
  return {
    slotId,
    itemId,
    capacity,
    category: item?.category ?? null,
    tracksLots: item?.tracksLots ?? false,
    level: null,
    levelSeq: 0,
    levelAt: null,
    lots: [],
  };
}

/** Keeps the refusal times sorted (a late arrival goes in its place); the policy's window prunes them. */
function insertTime(times: readonly string[], t: string): string[] {
  const out = [...times, t];
  out.sort((a, b) => ms(a) - ms(b));
  // A day is far beyond any sensible window; the state stays small.
  const keepFrom = ms(out[out.length - 1] as string) - 24 * 60 * 60_000;
  return out.filter((x) => ms(x) >= keepFrom);
}
