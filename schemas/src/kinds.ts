import { z } from "zod";
import { CardToken, ClientToken, DeviceTime, Id, LocalDate, TimeZone } from "./ids";

export const SCHEMA_VERSION = 1 as const;

const count = (max: number) => z.int().min(0).max(max);
const positive = (max: number) => z.int().min(1).max(max);

/** Envelope of every event a vending machine emits. The event key is `machineId:seq`. */
const machineEnvelope = {
  v: z.literal(SCHEMA_VERSION),
  prisonId: Id,
  machineId: Id,
  /** Per-machine monotonic sequence number, starting at 1. */
  seq: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  deviceTime: DeviceTime,
};

/** Envelope of events from other sources (census office, health unit, registry): key `sourceId:seq`. */
const sourceEnvelope = {
  v: z.literal(SCHEMA_VERSION),
  prisonId: Id,
  sourceId: Id,
  seq: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  time: DeviceTime,
};

/** A slot holds at most a few hundred units; quantities beyond this are impossible, not large. */
export const MAX_SLOT_UNITS = 1000;

const Lot = z.strictObject({
  lotId: Id,
  expiry: LocalDate,
  quantity: positive(MAX_SLOT_UNITS),
});

export const Dispense = z.strictObject({
  ...machineEnvelope,
  kind: z.literal("dispense"),
  slotId: Id,
  itemId: Id,
  cardToken: CardToken,
  quantity: positive(10),
  /** Naloxone lot the unit came from (first-expiry-first-out), when the slot tracks lots. */
  lotId: Id.optional(),
  stockAfter: count(MAX_SLOT_UNITS),
});

export const DispenseRefused = z.strictObject({
  ...machineEnvelope,
  kind: z.literal("dispense_refused"),
  slotId: Id,
  itemId: Id,
  cardToken: CardToken,
  reason: z.enum(["empty", "quota", "fault"]),
});

export const Restock = z
  .strictObject({
    ...machineEnvelope,
    kind: z.literal("restock"),
    slotId: Id,
    itemId: Id,
    quantity: positive(MAX_SLOT_UNITS),
    stockAfter: count(MAX_SLOT_UNITS),
    /** Outreach visit that brought the stock, when known. */
    visitId: Id.optional(),
    /** Naloxone lots loaded, with expiry; their quantities add up to `quantity`. */
    lots: z.array(Lot).max(20).optional(),
  })
  .refine((e) => e.lots === undefined || e.lots.reduce((n, l) => n + l.quantity, 0) === e.quantity, {
    message: "lot quantities must add up to quantity",
    path: ["lots"],
  })
  .refine((e) => e.stockAfter >= e.quantity, {
    message: "stockAfter must be at least the quantity restocked",
    path: ["stockAfter"],
  });

export const StockAdjustment = z
  .strictObject({
    ...machineEnvelope,
    kind: z.literal("stock_adjustment"),
    slotId: Id,
    itemId: Id,
    /** count: a physical count corrected the level; expired/damaged: units removed. */
    reason: z.enum(["count", "expired", "damaged", "other"]),
    delta: z.int().min(-MAX_SLOT_UNITS).max(MAX_SLOT_UNITS),
    stockAfter: count(MAX_SLOT_UNITS),
    lotId: Id.optional(),
  })
  .refine((e) => e.reason === "count" || e.delta < 0, {
    message: "removals (expired, damaged, other) must have a negative delta",
    path: ["delta"],
  });

export const Heartbeat = z.strictObject({
  ...machineEnvelope,
  kind: z.literal("heartbeat"),
  /** Cabinet temperature; the sensor's physical range is -40..85 °C. */
  temperatureC: z.number().min(-40).max(85),
  door: z.enum(["open", "closed"]),
  power: z.enum(["mains", "battery"]),
  batteryPct: z.number().min(0).max(100).optional(),
  firmware: z.string().min(1).max(32),
  uptimeS: z.int().min(0),
});

export const Fault = z.strictObject({
  ...machineEnvelope,
  kind: z.literal("fault"),
  code: z.enum(["jam", "card_reader", "tamper", "power_loss", "door_open", "temperature", "other"]),
  state: z.enum(["raised", "cleared"]),
  slotId: Id.optional(),
  detail: z.string().max(200).optional(),
});

/** Birth message on connect and last-will / clean-shutdown message on disconnect. */
export const Status = z
  .strictObject({
    ...machineEnvelope,
    kind: z.literal("status"),
    state: z.enum(["online", "offline"]),
    reason: z.enum(["connect", "shutdown", "connection_lost"]),
    /**
     * On a birth: when the machine lost its previous connection (network or power), as its own
     * clock recorded it; absent after a clean shutdown or on first boot. The broker's will can
     * only say *that* the connection died (its payload is fixed at connect), and events queued
     * during the outage replay in the same burst as the will, so only the machine can date the
     * outage (like Sparkplug B's store-and-forward history flag).
     */
    offlineSince: DeviceTime.optional(),
  })
  .refine((e) => e.offlineSince === undefined || e.state === "online", {
    message: "offlineSince belongs on a birth (state online)",
    path: ["offlineSince"],
  })
  .refine((e) => e.offlineSince === undefined || Date.parse(e.offlineSince) <= Date.parse(e.deviceTime), {
    message: "offlineSince must not be after the birth's deviceTime",
    path: ["offlineSince"],
  });

export const Census = z.strictObject({
  ...sourceEnvelope,
  kind: z.literal("census"),
  /** The prison's local calendar day the figures describe. */
  date: LocalDate,
  population: count(100_000),
  admissions: count(10_000),
  releases: count(10_000),
});

export const OatRegister = z
  .strictObject({
    ...sourceEnvelope,
    kind: z.literal("oat"),
    clientToken: ClientToken,
    action: z.enum(["enrol", "dose", "discharge"]),
    medicine: z.enum(["methadone", "buprenorphine"]),
    /** Daily dose; methadone maintenance rarely exceeds 200 mg, buprenorphine 32 mg. */
    doseMg: z.number().positive().max(400).optional(),
    dischargeReason: z.enum(["completed", "released", "transferred", "left", "died", "other"]).optional(),
  })
  .refine((e) => e.action !== "dose" || e.doseMg !== undefined, {
    message: "a dose needs doseMg",
    path: ["doseMg"],
  })
  .refine((e) => e.action !== "discharge" || e.dischargeReason !== undefined, {
    message: "a discharge needs dischargeReason",
    path: ["dischargeReason"],
  });

const prevalence = z.number().min(0).max(1);

export const RefPrison = z.strictObject({
  ...sourceEnvelope,
  kind: z.literal("ref_prison"),
  name: z.string().min(1).max(120),
  /** IANA time zone; periods and days are counted in the prison's local time. */
  timeZone: TimeZone,
  capacity: positive(100_000),
  injectingPrevalence: prevalence,
  opioidDependencePrevalence: prevalence,
  oatCapacity: count(100_000),
});

export const RefMachine = z.strictObject({
  ...sourceEnvelope,
  kind: z.literal("ref_machine"),
  machineId: Id,
  location: z.string().min(1).max(120),
  active: z.boolean(),
  slots: z
    .array(z.strictObject({ slotId: Id, itemId: Id, capacity: positive(MAX_SLOT_UNITS) }))
    .min(1)
    .max(64)
    .refine((s) => new Set(s.map((x) => x.slotId)).size === s.length, "slot ids must be unique"),
});

export const RefItem = z.strictObject({
  ...sourceEnvelope,
  kind: z.literal("ref_item"),
  itemId: Id,
  name: z.string().min(1).max(120),
  category: z.enum(["syringe_kit", "naloxone_nasal", "naloxone_injectable", "other"]),
  /** Syringes in one kit, for syringes-per-PWID figures (docs/domain.md). */
  syringesPerUnit: count(100),
  /** Naloxone and other perishables carry lots and expiry dates. */
  tracksLots: z.boolean(),
});

/**
 * A person acknowledges an alert (docs/domain.md: raised → acknowledged → cleared): someone has seen it
 * and is on it. Published by the operator's tool (`hrvend alerts ack`) as an event of the stream,
 * so a rebuild of the stock service (replay) keeps it. `machineId` routes it to the machine's
 * stock state; `alertId` is the stock service's id (`<machine>/<slot or ->/<type>/<raised at>`).
 */
export const AlertAck = z.strictObject({
  ...sourceEnvelope,
  kind: z.literal("alert_ack"),
  machineId: Id,
  alertId: z
    .string()
    .regex(/^[A-Za-z0-9_+:./-]{1,200}$/, "must be an alert id as `hrvend alerts list` prints it"),
  /** Who is on it, as they gave it (a name or a role; no card or client token). */
  by: z.string().min(1).max(120),
});
