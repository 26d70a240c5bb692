import { z } from "zod";
import {
  AlertAck,
  Census,
  Dispense,
  DispenseRefused,
  Fault,
  Heartbeat,
  OatRegister,
  RefItem,
  RefMachine,
  RefPrison,
  Restock,
  Status,
  StockAdjustment,
} from "./kinds";

/** Every message kind, by its `kind` (also the last MQTT topic level / NATS subject token). */
export const EVENT_SCHEMAS = {
  dispense: Dispense,
  dispense_refused: DispenseRefused,
  restock: Restock,
  stock_adjustment: StockAdjustment,
  heartbeat: Heartbeat,
  fault: Fault,
  status: Status,
  census: Census,
  oat: OatRegister,
  ref_prison: RefPrison,
  ref_machine: RefMachine,
  ref_item: RefItem,
  alert_ack: AlertAck,
} as const;

export type EventKind = keyof typeof EVENT_SCHEMAS;
export const EVENT_KINDS = Object.keys(EVENT_SCHEMAS) as EventKind[];
export const MACHINE_KINDS = [
  "dispense",
  "dispense_refused",
  "restock",
  "stock_adjustment",
  "heartbeat",
  "fault",
  "status",
] as const satisfies readonly EventKind[];

/**
 * The one legitimate source type of every kind (docs/architecture.md §Privacy and security). The
 * topic grammar, the broker ACL and the gateway all derive from this map: a kind published by
 * any other source type is refused. A new kind must be added here (the `Record` makes the
 * compiler insist).
 */
export const SOURCE_TYPES = [
  "machine",
  "registry",
  "census_office",
  "health_unit",
  "outreach",
  "operator",
] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

export const KIND_SOURCE_TYPE = {
  dispense: "machine",
  dispense_refused: "machine",
  restock: "machine",
  stock_adjustment: "machine",
  heartbeat: "machine",
  fault: "machine",
  status: "machine",
  ref_prison: "registry",
  ref_machine: "registry",
  ref_item: "registry",
  census: "census_office",
  oat: "health_unit",
  alert_ack: "operator",
} as const satisfies Record<EventKind, SourceType>;

/** The kinds a source type may publish (in EVENT_KINDS order; empty for outreach today). */
export function kindsOfSourceType(type: SourceType): EventKind[] {
  return EVENT_KINDS.filter((k) => KIND_SOURCE_TYPE[k] === type);
}

export function sourceTypeOf(kind: EventKind): SourceType {
  return KIND_SOURCE_TYPE[kind];
}

export const HrEvent = z.discriminatedUnion("kind", [
  Dispense,
  DispenseRefused,
  Restock,
  StockAdjustment,
  Heartbeat,
  Fault,
  Status,
  Census,
  OatRegister,
  RefPrison,
  RefMachine,
  RefItem,
  AlertAck,
]);
export type HrEvent = z.infer<typeof HrEvent>;
export type EventOf<K extends EventKind> = Extract<HrEvent, { kind: K }>;
export type MachineEvent = EventOf<(typeof MACHINE_KINDS)[number]>;

export function isMachineEvent(e: HrEvent): e is MachineEvent {
  return "machineId" in e && "deviceTime" in e;
}

/** The topic/subject segment that numbers the event: the machine, or the office source. */
export function eventSource(e: HrEvent): string {
  return isMachineEvent(e) ? e.machineId : e.sourceId;
}

/** When the event happened at its source (device clock for machines). */
export function eventTime(e: HrEvent): string {
  return isMachineEvent(e) ? e.deviceTime : e.time;
}

/** The key that travels end to end (Nats-Msg-Id, primary key of every write): `source:seq`. */
export function eventKey(e: HrEvent): string {
  return `${eventSource(e)}:${e.seq}`;
}
