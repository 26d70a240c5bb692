import { type EventOf, type MachineEvent, mqttTopic, SCHEMA_VERSION } from "@hrvend/schemas";
import type { LocalClock } from "../model/local-clock";
import type { QuotaMemory, QuotaPolicy } from "../model/quota-policy";
import { SlotStock } from "../model/slot-stock";
import type { Warehouse } from "../model/warehouse";
import type { Prng } from "../random/prng";
import type { FaultSpec, ItemSpec, MachineSpec } from "../scenario/scenario-schema";
import type { DeliveryItem } from "./delivery-item";
import type { SimOutput } from "./sim-output";

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const MONTH_MS = 30 * DAY_MS;
/** Time for a flat battery to charge fully on mains. */
const BATTERY_CHARGE_MS = 8 * HOUR_MS;
/** Outreach does not load a naloxone lot expiring within this margin after the next visit. */
const LOT_MARGIN_MS = 30 * DAY_MS;

/** What a machine needs from the simulation around it. */
export interface MachineContext {
  schedule(t: number, action: () => void): void;
  readonly out: SimOutput;
  readonly endTime: number;
  readonly heartbeatMs: number;
  readonly firmware: string;
  readonly faults: FaultSpec;
  readonly quota: QuotaPolicy;
  readonly items: ReadonlyMap<string, ItemSpec>;
  count(kind: string): void;
}

/** A card as the machine sees it: the UID stays here, only the token is ever sent. */
export interface CardAtMachine extends QuotaMemory {
  readonly token: string;
}

export interface ServiceOrder {
  visitId: string;
  /** Units the team brought per slot. */
  planned: ReadonlyMap<string, number>;
  /** When the team comes next; lots expiring before then are swapped out. */
  nextVisitAt: number;
}

type Body<E> = E extends unknown ? Omit<E, "v" | "prisonId" | "machineId" | "seq" | "deviceTime"> : never;
type MachineBody = Body<MachineEvent>;
type RefuseReason = EventOf<"dispense_refused">["reason"];

/**
 * One vending machine, as its firmware and its physical surroundings behave: per-machine seq,
 * an outbox that holds events while the machine is offline, a will reserved at each connect,
 * refusals when a slot is empty, a card's quota is used up or the machine is faulty, and fault
 * processes (jams, reader faults, outages, power cuts, door left open, temperature excursions).
 */
export class SimMachine {
  readonly machineId: string;
  readonly slots: SlotStock[];
  private seq = 0;
  private connected = false;
  private everConnected = false;
  private networkDown = false;
  /** Placed outages (scenario placements): the machine's own network, or the broker for everyone. */
  private placedDown = false;
  private brokerDown = false;
  /** Decommissioned: shut down for good, nothing more from it. */
  private retired = false;
  private dark = false;
  private powerCut = false;
  private buffer: DeliveryItem[] = [];
  private will: { seq: number; payload: string } | undefined;
  /** When the last connection was lost (not closed cleanly): the next birth reports it. */
  private lostAt: number | undefined;
  private readonly jammed = new Set<string>();
  private readonly stockedOut = new Set<string>();
  private cardReaderFault = false;
  private tamper = false;
  private doorOpen = false;
  private doorAlarm = false;
  private tempFault = false;
  private excursion: { start: number; end: number; peakDelta: number } | undefined;
  private battery = { pct: 100, since: 0, onBattery: false };
  private bootAt = 0;
  private noise = 0;
  private pendingWake: ((t: number) => void)[] = [];
  private readonly topics = new Map<string, string>();

  constructor(
    spec: MachineSpec,
    readonly prisonId: string,
    private readonly clock: LocalClock,
    private readonly ctx: MachineContext,
    private readonly rng: Prng,
  ) {
    this.machineId = spec.machineId;
    this.slots = spec.slots.map(
      (s) => new SlotStock(s.slotId, s.itemId, s.capacity, ctx.items.get(s.itemId)?.tracksLots === true),
    );
  }

  get isDark(): boolean {
    return this.dark;
  }

  get isConnected(): boolean {
    return this.connected;
  }

  get isCommissioned(): boolean {
    return this.everConnected;
  }

  get isRetired(): boolean {
    return this.retired;
  }

  /** Boots, connects and is loaded for the first time at the start of the run. */
  commission(t: number, initial: ReadonlyMap<string, number>, warehouse: Warehouse): void {
    this.bootAt = t - Math.floor(this.rng.uniform(0, 30) * DAY_MS);
    this.battery = { pct: 100, since: t, onBattery: false };
    this.connect(t);
    for (const slot of this.slots) {
      const want = initial.get(slot.slotId) ?? slot.capacity;
      // Commissioning stock comes from whatever is in the store, short-dated lots included.
      if (want > 0) this.load(t, slot, want, "commissioning", this.clock.localDate(t), warehouse);
      // A slot commissioned empty (or that the warehouse could not fill) is counted at zero, so
      // the pipeline learns the slot and its level like any other.
      if (slot.level === 0) this.adjust(t, slot, 0, "count");
    }
    // Machines booted at different times, so heartbeats spread evenly over the interval.
    const first = t + Math.floor(this.rng.next() * this.ctx.heartbeatMs);
    this.ctx.schedule(first, () => this.heartbeat(first));
    this.startFaultProcesses(t);
  }

  // ---------------------------------------------------------------- card holders

  /** A card holder asks for one unit of `itemId`. */
  request(t: number, card: CardAtMachine, itemId: string): void {
    const slots = this.slots.filter((s) => s.itemId === itemId);
    const first = slots[0];
    if (this.retired || this.dark || first === undefined || this.cardReaderFault) {
      const reason = this.retired
        ? "decommissioned"
        : this.dark
          ? "machine_dark"
          : first === undefined
            ? "no_slot"
            : "card_reader";
      this.ctx.out.fact(t, {
        fact: "visit_unserved",
        machineId: this.machineId,
        itemId,
        cardToken: card.token,
        reason,
      });
      return;
    }
    // Vend motors stay off on battery, with the door open (service or left open) and after tamper.
    if (this.tamper || this.doorOpen || this.powerCut) {
      this.refuse(t, card, first, "fault");
      return;
    }
    if (!this.ctx.quota.check(card, itemId, t).allowed) {
      this.refuse(t, card, first, "quota");
      return;
    }
    const stocked = slots.filter((s) => s.level > 0);
    const firstStocked = stocked[0];
    if (firstStocked === undefined) {
      this.refuse(t, card, first, "empty");
      return;
    }
    const slot = stocked.find((s) => !this.jammed.has(s.slotId));
    if (slot === undefined) {
      this.refuse(t, card, firstStocked, "fault");
      return;
    }
    if (this.rng.chance(this.ctx.faults.jamPerDispense)) {
      this.jam(t, slot);
      this.refuse(t, card, slot, "fault");
      return;
    }
    const lotId = slot.take();
    this.ctx.quota.record(card, itemId, t);
    this.emit(t, {
      kind: "dispense",
      slotId: slot.slotId,
      itemId,
      cardToken: card.token,
      quantity: 1,
      ...(lotId === undefined ? {} : { lotId }),
      stockAfter: slot.level,
    });
    this.stockChanged(t, slot, -1, "dispense");
  }

  private refuse(t: number, card: CardAtMachine, slot: SlotStock, reason: RefuseReason): void {
    this.emit(t, {
      kind: "dispense_refused",
      slotId: slot.slotId,
      itemId: slot.itemId,
      cardToken: card.token,
      reason,
    });
  }

  // ---------------------------------------------------------------- outreach

  /** The outreach team services the machine: clears faults, swaps expiring lots, restocks. Returns when the door closes. */
  service(t: number, order: ServiceOrder, warehouse: Warehouse, minutes: number): number {
    if (this.dark || this.retired) {
      this.ctx.out.fact(t, {
        fact: "service_skipped",
        machineId: this.machineId,
        visitId: order.visitId,
        reason: this.retired ? "decommissioned" : "machine_dark",
      });
      return t;
    }
    this.ctx.out.fact(t, { fact: "service_start", machineId: this.machineId, visitId: order.visitId });
    this.doorOpen = true;
    for (const slot of this.slots) if (this.jammed.has(slot.slotId)) this.clearJam(t, slot.slotId);
    if (this.cardReaderFault) this.clearCardReader(t);
    if (this.tamper) this.clearTamper(t);
    const f = this.ctx.faults;
    // Calendar dates are the prison's: a lot expires at the end of its local day.
    const swapBefore = this.clock.localDate(order.nextVisitAt);
    for (const slot of this.slots) {
      if (slot.tracksLots) {
        for (const lot of [...slot.lots]) {
          if (lot.expiry <= swapBefore) this.adjust(t, slot, -lot.quantity, "expired", lot.lotId);
        }
      }
      if (slot.level > 0 && this.rng.chance(f.damagedPerVisit)) {
        this.adjust(t, slot, -1, "damaged", slot.lots[0]?.lotId);
      }
      if (!slot.tracksLots && this.rng.chance(f.countCorrectionPerVisit)) {
        const delta = slot.level === 0 || (slot.level < slot.capacity && this.rng.chance(0.5)) ? 1 : -1;
        this.adjust(t, slot, delta, "count");
      }
      const want = Math.min(order.planned.get(slot.slotId) ?? 0, slot.capacity - slot.level);
      if (want > 0)
        this.load(
          t,
          slot,
          want,
          order.visitId,
          this.clock.localDate(order.nextVisitAt + LOT_MARGIN_MS),
          warehouse,
        );
    }
    const closeAt = t + minutes * MINUTE_MS;
    this.ctx.schedule(closeAt, () => this.endService(closeAt, order.visitId));
    return closeAt;
  }

  private endService(t: number, visitId: string): void {
    this.ctx.out.fact(t, { fact: "service_end", machineId: this.machineId, visitId });
    const d = this.ctx.faults.doorLeftOpen;
    if (!this.rng.chance(d.perVisit)) {
      this.doorOpen = false;
      return;
    }
    const closesAt = t + this.rng.exponential(d.meanMinutes) * MINUTE_MS;
    const alarmAt = t + d.alarmAfterMinutes * MINUTE_MS;
    if (alarmAt < closesAt) {
      this.ctx.schedule(alarmAt, () =>
        this.whenAwake(alarmAt, (at) => {
          if (!this.doorOpen || this.doorAlarm) return;
          this.doorAlarm = true;
          this.raise(at, "door_open", undefined, `door open ${d.alarmAfterMinutes} min after service`);
        }),
      );
    }
    this.ctx.schedule(closesAt, () =>
      this.whenAwake(closesAt, (at) => {
        this.doorOpen = false;
        if (this.doorAlarm) {
          this.doorAlarm = false;
          this.clear(at, "door_open");
        }
      }),
    );
  }

  private load(
    t: number,
    slot: SlotStock,
    want: number,
    visitId: string,
    notExpiringBefore: string,
    w: Warehouse,
  ): void {
    let quantity = want;
    let lots: { lotId: string; expiry: string; quantity: number }[] | undefined;
    if (slot.tracksLots) {
      lots = w.pick(slot.itemId, want, notExpiringBefore);
      quantity = lots.reduce((n, l) => n + l.quantity, 0);
      if (quantity < want) {
        this.ctx.out.fact(t, {
          fact: "warehouse_short",
          machineId: this.machineId,
          visitId,
          itemId: slot.itemId,
          wanted: want,
          loaded: quantity,
        });
      }
      if (quantity === 0) return;
    }
    slot.load(quantity, lots);
    this.emit(t, {
      kind: "restock",
      slotId: slot.slotId,
      itemId: slot.itemId,
      quantity,
      stockAfter: slot.level,
      visitId,
      ...(lots === undefined ? {} : { lots }),
    });
    this.stockChanged(t, slot, quantity, "restock");
  }

  private adjust(
    t: number,
    slot: SlotStock,
    delta: number,
    reason: EventOf<"stock_adjustment">["reason"],
    lotId?: string,
  ): void {
    slot.adjust(delta, lotId);
    this.emit(t, {
      kind: "stock_adjustment",
      slotId: slot.slotId,
      itemId: slot.itemId,
      reason,
      delta,
      stockAfter: slot.level,
      ...(lotId === undefined ? {} : { lotId }),
    });
    this.stockChanged(t, slot, delta, "adjustment");
  }

  private stockChanged(
    t: number,
    slot: SlotStock,
    delta: number,
    cause: "dispense" | "restock" | "adjustment",
  ): void {
    const lots = slot.snapshotLots();
    this.ctx.out.fact(t, {
      fact: "stock",
      machineId: this.machineId,
      slotId: slot.slotId,
      itemId: slot.itemId,
      level: slot.level,
      delta,
      cause,
      ...(lots === undefined ? {} : { lots }),
    });
    const at = { machineId: this.machineId, slotId: slot.slotId, itemId: slot.itemId };
    if (slot.level === 0 && !this.stockedOut.has(slot.slotId)) {
      this.stockedOut.add(slot.slotId);
      this.ctx.out.fact(t, { fact: "stockout_start", ...at });
    } else if (slot.level > 0 && this.stockedOut.has(slot.slotId)) {
      this.stockedOut.delete(slot.slotId);
      this.ctx.out.fact(t, { fact: "stockout_end", ...at });
    }
  }

  // ---------------------------------------------------------------- connection

  private connect(t: number): void {
    const birthSeq = ++this.seq;
    const willSeq = ++this.seq;
    const willPayload = JSON.stringify({
      v: SCHEMA_VERSION,
      kind: "status",
      prisonId: this.prisonId,
      machineId: this.machineId,
      seq: willSeq,
      deviceTime: this.clock.iso(t),
      state: "offline",
      reason: "connection_lost",
    } satisfies EventOf<"status">);
    this.will = { seq: willSeq, payload: willPayload };
    this.ctx.out.deliver({
      type: "connect",
      source: this.machineId,
      prisonId: this.prisonId,
      willTopic: this.topic("status"),
      willPayload,
    });
    // The outbox drains oldest first, then the birth message follows.
    for (const item of this.buffer) this.ctx.out.deliver(item);
    this.buffer = [];
    this.connected = true;
    this.everConnected = true;
    const lostAt = this.lostAt;
    this.lostAt = undefined;
    this.emitWithSeq(t, birthSeq, {
      kind: "status",
      state: "online",
      reason: "connect",
      ...(lostAt === undefined ? {} : { offlineSince: this.clock.iso(lostAt) }),
    });
  }

  /**
   * The simulator process was killed and started again at `t`: a connected machine's connection
   * died with it, so the broker published (or, if the connection never opened, will now publish)
   * the will whose seq was reserved at connect. The machine reconnects at once with a new birth
   * and a new reserved seq, so no seq is ever used twice and every connection has its birth.
   */
  restart(t: number): void {
    if (!this.connected) return;
    this.disconnect(t, "restart");
    this.ctx.out.fact(t, { fact: "offline_end", machineId: this.machineId, cause: "restart" });
    this.connect(t);
  }

  private disconnect(t: number, cause: "network" | "power" | "restart" | "broker"): void {
    const will = this.will;
    if (will === undefined) throw new Error(`machine ${this.machineId} has no will to fire`);
    this.connected = false;
    this.will = undefined;
    this.lostAt = t;
    const key = `${this.machineId}:${will.seq}`;
    this.ctx.count("status");
    this.ctx.out.fact(t, { fact: "event", key, via: "will" }, will.payload);
    this.ctx.out.deliver({
      type: "will",
      source: this.machineId,
      topic: this.topic("status"),
      key,
      payload: will.payload,
    });
    this.ctx.out.fact(t, { fact: "offline_start", machineId: this.machineId, cause });
  }

  private updateConnectivity(t: number, cause: "network" | "power" | "end_of_run" | "broker"): void {
    if (this.retired) return;
    const want = !this.networkDown && !this.placedDown && !this.brokerDown && !this.dark;
    if (want && !this.connected) {
      if (this.everConnected) this.ctx.out.fact(t, { fact: "offline_end", machineId: this.machineId, cause });
      this.connect(t);
    } else if (!want && this.connected) {
      this.disconnect(t, cause === "end_of_run" ? "network" : cause);
    }
  }

  /** A placed network outage of this machine from `t` to `until` (scenario placements). */
  placeOutage(t: number, until: number): void {
    if (this.retired) return;
    this.placedDown = true;
    this.updateConnectivity(t, "network");
    if (until < this.ctx.endTime)
      this.ctx.schedule(until, () => {
        this.placedDown = false;
        this.updateConnectivity(until, "network");
      });
  }

  /** The broker is unreachable (true) or back (false). */
  setBrokerDown(t: number, down: boolean): void {
    this.brokerDown = down;
    this.updateConnectivity(t, "broker");
  }

  /** Taken out of service: its last events are sent, a clean shutdown, and nothing more. */
  decommission(t: number): void {
    if (this.retired) return;
    this.placedDown = false;
    this.brokerDown = false;
    this.shutdown(t);
    this.retired = true;
    this.ctx.out.fact(t, { fact: "machine_decommissioned", machineId: this.machineId });
  }

  /** End of the run: outages end, the outbox drains, and the machine publishes its reserved seq as a clean shutdown. */
  shutdown(t: number): void {
    if (this.retired) return;
    if (this.dark) {
      this.dark = false;
      this.powerCut = false;
      this.ctx.out.fact(t, { fact: "machine_boot", machineId: this.machineId });
    }
    this.networkDown = false;
    this.updateConnectivity(t, "end_of_run");
    const will = this.will;
    if (will === undefined) throw new Error(`machine ${this.machineId} is not connected at shutdown`);
    this.emitWithSeq(t, will.seq, { kind: "status", state: "offline", reason: "shutdown" });
    this.ctx.out.deliver({ type: "disconnect", source: this.machineId });
    this.connected = false;
    this.will = undefined;
  }

  // ---------------------------------------------------------------- telemetry

  private heartbeat(t: number): void {
    if (this.retired) return;
    const next = t + this.ctx.heartbeatMs;
    if (next < this.ctx.endTime) this.ctx.schedule(next, () => this.heartbeat(next));
    if (this.dark) return;
    const temperatureC = Math.round(Math.min(85, Math.max(-40, this.temperature(t))) * 10) / 10;
    const tf = this.ctx.faults.temperature;
    const out = temperatureC < tf.alarmLowC || temperatureC > tf.alarmHighC;
    if (out && !this.tempFault) {
      this.tempFault = true;
      this.raise(t, "temperature", undefined, `cabinet at ${temperatureC} °C`);
    } else if (!out && this.tempFault) {
      this.tempFault = false;
      this.clear(t, "temperature");
    }
    this.emit(t, {
      kind: "heartbeat",
      temperatureC,
      door: this.doorOpen ? "open" : "closed",
      power: this.powerCut ? "battery" : "mains",
      batteryPct: Math.round(this.batteryPct(t)),
      firmware: this.ctx.firmware,
      uptimeS: Math.floor((t - this.bootAt) / 1000),
    });
  }

  /** Cabinet temperature: ambient with a daily swing, sensor noise and the current excursion. */
  private temperature(t: number): number {
    const tf = this.ctx.faults.temperature;
    const hour = this.clock.hourOfDay(t);
    const daily = tf.dailySwingC * Math.sin((2 * Math.PI * (hour - 9)) / 24);
    this.noise = 0.8 * this.noise + this.rng.normal(0, tf.noiseC * 0.6);
    let bump = 0;
    const x = this.excursion;
    if (x !== undefined && t >= x.start && t < x.end)
      bump = x.peakDelta * Math.sin((Math.PI * (t - x.start)) / (x.end - x.start));
    return tf.ambientC + daily + this.noise + bump;
  }

  private batteryPct(t: number): number {
    const b = this.battery;
    const hours = this.ctx.faults.powerCut.batteryHours;
    if (b.onBattery) return Math.max(0, b.pct - ((t - b.since) / (hours * HOUR_MS)) * 100);
    return Math.min(100, b.pct + ((t - b.since) / BATTERY_CHARGE_MS) * 100);
  }

  // ---------------------------------------------------------------- faults

  private startFaultProcesses(t: number): void {
    const f = this.ctx.faults;
    this.process(t, f.offline.perMonth, (at) => this.networkOutage(at));
    this.process(t, f.powerCut.perMonth, (at) => this.powerOutage(at));
    this.process(t, f.cardReader.perMonth, (at) => this.readerFault(at));
    this.process(t, f.tamper.perMonth, (at) => this.tamperAlarm(at));
    this.process(t, f.temperature.excursionsPerMonth, (at) => this.temperatureExcursion(at));
  }

  /** A Poisson process of `perMonth` occurrences per 30 days. */
  private process(from: number, perMonth: number, fire: (t: number) => void): void {
    if (perMonth <= 0) return;
    const t = from + this.rng.exponential(MONTH_MS / perMonth);
    if (t >= this.ctx.endTime) return;
    this.ctx.schedule(t, () => {
      if (this.retired) return;
      fire(t);
      this.process(t, perMonth, fire);
    });
  }

  private networkOutage(t: number): void {
    if (this.networkDown) return;
    this.networkDown = true;
    this.updateConnectivity(t, "network");
    const end = t + this.rng.exponential(this.ctx.faults.offline.meanMinutes) * MINUTE_MS;
    if (end < this.ctx.endTime)
      this.ctx.schedule(end, () => {
        this.networkDown = false;
        this.updateConnectivity(end, "network");
      });
  }

  private powerOutage(t: number): void {
    if (this.powerCut || this.dark) return;
    const pc = this.ctx.faults.powerCut;
    this.battery = { pct: this.batteryPct(t), since: t, onBattery: true };
    this.powerCut = true;
    this.raise(t, "power_loss", undefined, "mains lost, running on battery");
    const end = t + this.rng.exponential(pc.meanMinutes) * MINUTE_MS;
    const flat = t + (this.battery.pct / 100) * pc.batteryHours * HOUR_MS;
    if (flat < end && flat < this.ctx.endTime) {
      this.ctx.schedule(flat, () => {
        if (!this.powerCut) return;
        this.dark = true;
        this.ctx.out.fact(flat, { fact: "machine_dark", machineId: this.machineId });
        this.updateConnectivity(flat, "power");
      });
    }
    if (end < this.ctx.endTime) this.ctx.schedule(end, () => this.powerRestored(end));
  }

  private powerRestored(t: number): void {
    if (!this.powerCut || this.retired) return;
    this.powerCut = false;
    this.battery = { pct: this.batteryPct(t), since: t, onBattery: false };
    if (this.dark) {
      this.dark = false;
      this.bootAt = t;
      this.ctx.out.fact(t, { fact: "machine_boot", machineId: this.machineId });
      this.updateConnectivity(t, "power");
    }
    this.clear(t, "power_loss");
    const wake = this.pendingWake;
    this.pendingWake = [];
    for (const fn of wake) fn(t);
  }

  private readerFault(t: number): void {
    if (this.dark || this.cardReaderFault) return;
    this.cardReaderFault = true;
    this.raise(t, "card_reader", undefined, "card reader not responding");
    const end = t + this.rng.exponential(this.ctx.faults.cardReader.meanHours) * HOUR_MS;
    if (end < this.ctx.endTime)
      this.ctx.schedule(end, () =>
        this.whenAwake(end, (at) => this.cardReaderFault && this.clearCardReader(at)),
      );
  }

  private clearCardReader(t: number): void {
    this.cardReaderFault = false;
    this.clear(t, "card_reader");
  }

  private tamperAlarm(t: number): void {
    if (this.dark || this.tamper) return;
    this.tamper = true;
    this.raise(t, "tamper", undefined, "cabinet forced; vending locked");
    const end = t + this.rng.exponential(this.ctx.faults.tamper.meanMinutes) * MINUTE_MS;
    if (end < this.ctx.endTime)
      this.ctx.schedule(end, () => this.whenAwake(end, (at) => this.tamper && this.clearTamper(at)));
  }

  private clearTamper(t: number): void {
    this.tamper = false;
    this.clear(t, "tamper");
  }

  private temperatureExcursion(t: number): void {
    if (this.excursion !== undefined && t < this.excursion.end) return;
    const tf = this.ctx.faults.temperature;
    const peakC = Math.round(this.rng.uniform(tf.peakC.min, tf.peakC.max) * 10) / 10;
    const end = t + this.rng.exponential(tf.meanHours) * HOUR_MS;
    this.excursion = { start: t, end, peakDelta: peakC - tf.ambientC };
    this.ctx.out.fact(t, {
      fact: "temperature_excursion",
      machineId: this.machineId,
      peakC,
      until: new Date(Math.round(end)).toISOString(),
    });
  }

  private jam(t: number, slot: SlotStock): void {
    this.jammed.add(slot.slotId);
    this.raise(t, "jam", slot.slotId, "vend motor stalled; unit not delivered");
    const end = t + this.rng.exponential(this.ctx.faults.jamRepairHours) * HOUR_MS;
    if (end < this.ctx.endTime)
      this.ctx.schedule(end, () =>
        this.whenAwake(end, (at) => this.jammed.has(slot.slotId) && this.clearJam(at, slot.slotId)),
      );
  }

  private clearJam(t: number, slotId: string): void {
    this.jammed.delete(slotId);
    this.clear(t, "jam", slotId);
  }

  private raise(t: number, code: EventOf<"fault">["code"], slotId: string | undefined, detail: string): void {
    if (this.retired) return;
    this.emit(t, {
      kind: "fault",
      code,
      state: "raised",
      ...(slotId === undefined ? {} : { slotId }),
      detail,
    });
    this.ctx.out.fact(t, {
      fact: "fault_start",
      machineId: this.machineId,
      code,
      ...(slotId ? { slotId } : {}),
    });
  }

  private clear(t: number, code: EventOf<"fault">["code"], slotId?: string): void {
    if (this.retired) return;
    this.emit(t, { kind: "fault", code, state: "cleared", ...(slotId === undefined ? {} : { slotId }) });
    this.ctx.out.fact(t, {
      fact: "fault_end",
      machineId: this.machineId,
      code,
      ...(slotId ? { slotId } : {}),
    });
  }

  /** Repairs that fall while the machine is dark are reported when it boots again. */
  private whenAwake(t: number, fn: (t: number) => void): void {
    if (this.dark) this.pendingWake.push(fn);
    else fn(t);
  }

  // ---------------------------------------------------------------- emission

  private emit(t: number, body: MachineBody): void {
    this.emitWithSeq(t, ++this.seq, body);
  }

  private emitWithSeq(t: number, seq: number, body: MachineBody): void {
    // A repair or a door closing scheduled before the machine was decommissioned reports nothing.
    if (this.retired) return;
    // Envelope first, in the contract's field order, then the kind's fields.
    const { kind, ...fields } = body;
    const event = {
      v: SCHEMA_VERSION,
      kind,
      prisonId: this.prisonId,
      machineId: this.machineId,
      seq,
      deviceTime: this.clock.iso(t),
      ...fields,
    };
    const payload = JSON.stringify(event);
    const key = `${this.machineId}:${seq}`;
    this.ctx.count(kind);
    this.ctx.out.fact(t, { fact: "event", key }, payload);
    const item: DeliveryItem = {
      type: "event",
      source: this.machineId,
      device: true,
      topic: this.topic(kind),
      key,
      payload,
    };
    if (this.connected) this.ctx.out.deliver(item);
    else this.buffer.push(item);
  }

  private topic(kind: string): string {
    let topic = this.topics.get(kind);
    if (topic === undefined) {
      topic = mqttTopic({
        prisonId: this.prisonId,
        sourceId: this.machineId,
        kind: kind as MachineEvent["kind"],
      });
      this.topics.set(kind, topic);
    }
    return topic;
  }
}
