import type { EventOf } from "@hrvend/schemas";
import type { AlertType } from "./alert-type";
import type { ItemCategory } from "./item-catalog";
import type { LotState } from "./lots";
import { NO_SEQS_SEEN, type SeenSeqs } from "./seen-seqs";

/**
 * How the machine's connection stands. `birthSeq` is the seq of the status online of the current
 * (or last) connection: its will has seq birthSeq + 1, so a will with a lower seq is a stale one.
 * Reasons: `connect` (birth), `connection_lost` (will), `shutdown` (clean), `silence` (no sign
 * of life for too long, without a will), `sign_of_life` (an event seen with no status known).
 */
export interface Connection {
  status: "unknown" | "online" | "offline";
  since: string | null;
  reason: "connect" | "connection_lost" | "shutdown" | "silence" | "sign_of_life" | null;
  birthSeq: number;
}

/** The latest heartbeat (by seq). */
export interface Health {
  seq: number;
  at: string;
  temperatureC: number;
  door: EventOf<"heartbeat">["door"];
  power: EventOf<"heartbeat">["power"];
  batteryPct: number | null;
  firmware: string;
  uptimeS: number;
}

/** Stock of a slot. `level` is the `stockAfter` of the highest-seq stock event (`levelSeq`, at `levelAt`). */
export interface SlotState {
  slotId: string;
  itemId: string;
  capacity: number | null;
  category: ItemCategory | null;
  tracksLots: boolean;
  level: number | null;
  levelSeq: number;
  levelAt: string | null;
  lots: LotState[];
}

export type FaultCode = EventOf<"fault">["code"];

/** The latest fault event (by seq) for one code and slot. */
export interface FaultState {
  code: FaultCode;
  slotId: string | null;
  active: boolean;
  seq: number;
  since: string;
  detail: string | null;
}

/** An alert this machine has raised and not cleared (the full record lives with the adapter: see Alert). */
export interface ActiveAlert {
  id: string;
  type: AlertType;
  slotId: string | null;
  raisedAt: string;
}

/**
 * Everything the stock service knows about one machine. Plain JSON (no Map, Date or class), so
 * the adapter can store it as one row per machine in the transaction that stores the stream position.
 */
export interface MachineState {
  machineId: string;
  prisonId: string | null;
  location: string | null;
  /** False once the registry retires the machine: it raises no alerts. */
  active: boolean;
  seen: SeenSeqs;
  connection: Connection;
  /** Latest device time of any sign of life (every event but a status offline). */
  lastSeenAt: string | null;
  /** Stream time of the latest sign of life applied (silence is judged on both clocks; see silentSince). */
  lastArrivedAt?: string | null;
  health: Health | null;
  slots: Record<string, SlotState>;
  /** By faultKey(code, slotId). */
  faults: Record<string, FaultState>;
  /** By alertKey(type, slotId). */
  alerts: Record<string, ActiveAlert>;
  /** Device times of recent quota refusals, oldest first (pruned to the refusal-spike window). */
  quotaRefusals?: string[];
  /** The prison's IANA time zone (from its ref_prison), for local days across DST changes. */
  timeZone?: string | null;
}

export function initialMachineState(machineId: string): MachineState {
  return {
    machineId,
    prisonId: null,
    location: null,
    active: true,
    seen: NO_SEQS_SEEN,
    connection: { status: "unknown", since: null, reason: null, birthSeq: 0 },
    lastSeenAt: null,
    health: null,
    slots: {},
    faults: {},
    alerts: {},
  };
}

export function faultKey(code: FaultCode, slotId: string | null): string {
  return `${code}/${slotId ?? "-"}`;
}

export function alertKey(type: AlertType, slotId: string | null): string {
  return `${type}/${slotId ?? "-"}`;
}
