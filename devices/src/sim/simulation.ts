import { type EventOf, type HrEvent, mqttTopic, SCHEMA_VERSION } from "@hrvend/schemas";
import { cardToken } from "../crypto/card-token";
import { DemandProfile } from "../model/demand-profile";
import { EventQueue } from "../model/event-queue";
import { type LocalClock, localClockFor } from "../model/local-clock";
import { QuotaPolicy } from "../model/quota-policy";
import { Warehouse } from "../model/warehouse";
import { WeightedSet } from "../model/weighted-set";
import { Prng } from "../random/prng";
import {
  censusSourceId,
  healthSourceId,
  type ItemSpec,
  PROGRAMME_PRISON_ID,
  type PrisonSpec,
  REGISTRY_SOURCE_ID,
  type Scenario,
} from "../scenario/scenario-schema";
import type { DeliveryItem } from "./delivery-item";
import type { LedgerFact } from "./ledger-fact";
import {
  type OutreachLine,
  type OutreachMachine,
  type OutreachPlanner,
  ReceivedEvents,
  type ResolvedPlan,
  resolvePlan,
} from "./outreach-planner";
import { type CardAtMachine, type MachineContext, SimMachine } from "./sim-machine";
import type { SimOutput } from "./sim-output";

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
/** Card weights are visits per week × 1000, as integers (exact sums in the weighted set). */
const WEIGHT_SCALE = 1000;

export interface SimulationOptions {
  /** Every random draw derives from this. */
  seed: string | number;
  days: number;
  /** Overrides the scenario's start instant (ms since epoch). */
  start?: number;
  /** HMAC key the machines turn card UIDs into tokens with (see cardTokenKey). */
  cardTokenKey: Uint8Array;
  /**
   * Plans each outreach visit's load and machine order instead of the scenario's fixed policy
   * (capacity − level + margin, machines in scenario order). Called at plan time (visit − lead
   * time) with what hrvend would know then. Without it the output is unchanged, byte for byte.
   */
  outreachPlanner?: OutreachPlanner;
  /**
   * Instants (ms) at which the simulator process was killed and resumed in earlier runs of this
   * state dir (see restartAt): replayed at the same instants so the run regenerates identically.
   */
  restarts?: readonly number[];
}

export interface SimulationStats {
  events: number;
  byKind: Record<string, number>;
}

interface Card extends CardAtMachine {
  readonly uid: string;
  readonly token: string;
  handle: number;
  readonly home: number;
  readonly releaseAt: number;
  active: boolean;
}

interface OatClient {
  readonly token: string;
  readonly medicine: "methadone" | "buprenorphine";
  readonly doseMg: number;
  active: boolean;
}

interface CensusDay {
  date: string;
  admissions: number;
  releases: number;
  /** Releases of people who are neither card holders nor OAT clients (added to the population at day end). */
  otherReleases: number;
}

interface Prison {
  readonly spec: PrisonSpec;
  readonly clock: LocalClock;
  readonly machines: SimMachine[];
  readonly cards: WeightedSet<Card>;
  readonly demandRng: Prng;
  readonly peopleRng: Prng;
  readonly oatRng: Prng;
  readonly census: OfficeSource;
  readonly health: OfficeSource;
  population: number;
  day: CensusDay | undefined;
  /** When it joined the programme (the run's start, or a placed `prison_joins`). */
  joinedAt: number;
  demandVersion: number;
  oatClients: OatClient[];
  /** Mean stay in days (exponential length of stay consistent with the release rate). */
  readonly meanStayDays: number;
}

interface OfficeSource {
  readonly sourceId: string;
  readonly prisonId: string;
  readonly clock: LocalClock;
  seq: number;
}

type OfficeBody<E> = E extends unknown ? Omit<E, "v" | "sourceId" | "seq" | "time"> : never;
type OfficeEvent = Exclude<HrEvent, { deviceTime: string }>;

/**
 * The fleet and its world as a discrete-event simulation: prisons (population flow, card
 * holders, OAT register, daily census), machines, outreach visits and reference data. Actions
 * run in simulated-time order from a priority queue (ties in scheduling order) and every random
 * draw comes from the seed, so a scenario and a seed always give the same output, byte for byte.
 * Pure: no I/O and no wall clock; output goes to a SimOutput.
 */
export class Simulation {
  readonly startTime: number;
  readonly endTime: number;
  readonly stats: SimulationStats = { events: 0, byKind: {} };
  private readonly queue = new EventQueue();
  private readonly prisons: Prison[] = [];
  private readonly rng: Prng;
  private readonly profile: DemandProfile;
  private readonly warehouse: Warehouse;
  private readonly items: Map<string, ItemSpec>;
  private readonly itemMix: { itemId: string; cumulative: number }[];
  private readonly registry: OfficeSource;
  private readonly machineCtx: MachineContext;
  private readonly allMachines: SimMachine[] = [];
  private readonly cardUids = new Set<string>();
  private readonly out: SimOutput;
  /** What subscribers have received per prison, kept only for an outreach planner. */
  private readonly received: ReceivedEvents | undefined;
  private clockNow: number;
  private finished = false;
  /** Office events generated while a placed broker outage lasts, delivered when it ends. */
  private officeHeld: DeliveryItem[] | undefined;
  /** Pending simulator restarts, ascending; each runs before any action at or after its instant. */
  private readonly restarts: number[];

  constructor(
    readonly scenario: Scenario,
    private readonly options: SimulationOptions,
    out: SimOutput,
  ) {
    this.received = options.outreachPlanner === undefined ? undefined : new ReceivedEvents(out);
    this.out = this.received ?? out;
    this.startTime = options.start ?? Date.parse(scenario.start);
    this.endTime = this.startTime + options.days * DAY_MS;
    this.clockNow = this.startTime;
    this.restarts = [...(options.restarts ?? [])].sort((a, b) => a - b);
    this.rng = new Prng(`hrvend/${scenario.name}/${options.seed}`);
    this.profile = new DemandProfile(scenario.usage);
    this.items = new Map(scenario.items.map((i) => [i.itemId, i]));
    // Lot expiry dates count from the start's local date where the programme is (its first
    // prison's zone), not its UTC date, which east of UTC is the day before at midnight.
    const home = localClockFor(scenario.prisons[0]?.timeZone ?? "UTC");
    const startDay = Date.parse(`${home.localDate(this.startTime)}T00:00:00Z`);
    this.warehouse = new Warehouse(
      scenario.lots.map((l) => ({
        lotId: l.lotId,
        itemId: l.itemId,
        expiry: new Date(startDay + l.expiresAfterDays * DAY_MS).toISOString().slice(0, 10),
        quantity: l.quantity,
      })),
    );
    const mixTotal = scenario.usage.itemMix.reduce((n, m) => n + m.share, 0);
    let acc = 0;
    this.itemMix = scenario.usage.itemMix.map((m) => {
      acc += m.share / mixTotal;
      return { itemId: m.itemId, cumulative: acc };
    });
    this.registry = {
      sourceId: REGISTRY_SOURCE_ID,
      prisonId: PROGRAMME_PRISON_ID,
      clock: localClockFor("UTC"),
      seq: 0,
    };
    this.machineCtx = {
      schedule: (t, action) => this.queue.schedule(t, action),
      out: this.out,
      endTime: this.endTime,
      heartbeatMs: scenario.heartbeatSeconds * 1000,
      firmware: scenario.firmware,
      faults: scenario.faults,
      quota: new QuotaPolicy(scenario.quotas),
      items: this.items,
      count: (kind) => this.count(kind),
    };
    for (const spec of scenario.prisons) this.prisons.push(this.buildPrison(spec));
    this.queue.schedule(this.startTime, () => this.begin(this.startTime));
  }

  /** Simulated time of the last action run. */
  get now(): number {
    return this.clockNow;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Time of the next action, or endTime when nothing is left before it. */
  nextTime(): number {
    return Math.min(this.queue.peekTime(), this.restarts[0] ?? Number.POSITIVE_INFINITY, this.endTime);
  }

  /**
   * The simulator process is resuming after a crash: at `t` (after every action already run) each
   * connected machine loses its connection (the broker publishes its will) and reconnects with a
   * new birth. It runs before any action at or after `t`, whenever that action was scheduled, so
   * a later resume that passes the same instant in `restarts` regenerates the same output.
   */
  restartAt(t: number): void {
    if (t <= this.clockNow || t >= this.endTime || this.finished) {
      throw new RangeError(
        `a restart must fall after the last action run (${new Date(this.clockNow).toISOString()}) and before the end`,
      );
    }
    this.restarts.push(t);
    this.restarts.sort((a, b) => a - b);
  }

  /** Runs the actions due at or before `until` (at most `maxActions`); returns how many ran. */
  runUntil(until: number, maxActions = Number.POSITIVE_INFINITY): number {
    const limit = Math.min(until, this.endTime);
    let n = 0;
    while (n < maxActions) {
      const restart = this.restarts[0];
      if (
        restart !== undefined &&
        restart <= limit &&
        restart < this.endTime &&
        restart <= this.queue.peekTime()
      ) {
        this.restarts.shift();
        this.clockNow = restart;
        this.restart(restart);
        n++;
        continue;
      }
      const t = this.queue.peekTime();
      if (t > limit || t >= this.endTime) break;
      const next = this.queue.pop();
      if (next === undefined) break;
      this.clockNow = next.time;
      next.action();
      n++;
    }
    if (n < maxActions && limit > this.clockNow) this.clockNow = limit;
    return n;
  }

  /** Ends the run at endTime: every machine comes back, drains its outbox and shuts down cleanly. */
  finish(): void {
    if (this.finished) return;
    this.runUntil(this.endTime);
    this.clockNow = this.endTime;
    for (const m of this.allMachines) m.shutdown(this.endTime);
    this.fact(this.endTime, {
      fact: "run_end",
      events: this.stats.events,
      byKind: sortedCounts(this.stats.byKind),
    });
    this.finished = true;
  }

  private restart(t: number): void {
    this.fact(t, { fact: "simulator_restart" });
    for (const m of this.allMachines) m.restart(t);
  }

  /** Every card UID issued so far. For tests that prove no UID leaves the machines. */
  issuedCardUids(): string[] {
    return [...this.cardUids];
  }

  // ---------------------------------------------------------------- setup

  private buildPrison(spec: PrisonSpec): Prison {
    const clock = localClockFor(spec.timeZone);
    const rng = this.rng.fork(`prison/${spec.prisonId}`);
    const prison: Prison = {
      spec,
      clock,
      machines: [],
      cards: new WeightedSet<Card>(),
      demandRng: rng.fork("demand"),
      peopleRng: rng.fork("people"),
      oatRng: rng.fork("oat"),
      census: { sourceId: censusSourceId(spec.prisonId), prisonId: spec.prisonId, clock, seq: 0 },
      health: { sourceId: healthSourceId(spec.prisonId), prisonId: spec.prisonId, clock, seq: 0 },
      population: spec.population,
      day: undefined,
      joinedAt: this.startTime,
      demandVersion: 0,
      oatClients: [],
      meanStayDays:
        spec.releasesPerDay > 0 ? spec.population / spec.releasesPerDay : Number.POSITIVE_INFINITY,
    };
    for (const m of spec.machines) {
      const machine = new SimMachine(
        m,
        spec.prisonId,
        clock,
        this.machineCtx,
        this.rng.fork(`machine/${m.machineId}`),
      );
      prison.machines.push(machine);
      this.allMachines.push(machine);
    }
    return prison;
  }

  private begin(t: number): void {
    this.fact(t, {
      fact: "run_start",
      scenario: this.scenario.name,
      seed: String(this.options.seed),
      days: this.options.days,
      start: new Date(this.startTime).toISOString(),
      end: new Date(this.endTime).toISOString(),
    });
    const joins = new Map<string, number>();
    for (const pl of this.scenario.placements)
      if (pl.type === "prison_joins") joins.set(pl.prisonId, t + pl.atHours * HOUR_MS);
    this.publishItems(t);
    for (const prison of this.prisons) {
      const at = joins.get(prison.spec.prisonId);
      if (at === undefined) this.publishPrison(prison, t);
    }
    for (const prison of this.prisons) {
      const at = joins.get(prison.spec.prisonId);
      if (at === undefined) this.startPrison(prison, t);
      else if (at < this.endTime)
        this.queue.schedule(at, () => {
          this.fact(at, { fact: "prison_joined", prisonId: prison.spec.prisonId });
          this.publishPrison(prison, at);
          this.startPrison(prison, at);
        });
    }
    this.schedulePlacements(t);
  }

  /** A prison starts operating: machines commissioned, card holders, OAT clients, census, outreach, demand. */
  private startPrison(prison: Prison, t: number): void {
    prison.joinedAt = t;
    prison.spec.machines.forEach((m, i) => {
      const initial = new Map(m.slots.map((s) => [s.slotId, s.initial ?? s.capacity]));
      prison.machines[i]?.commission(t, initial, this.warehouse);
    });
    const expected = prison.population * prison.spec.injectingPrevalence * prison.spec.cardUptake;
    for (let i = 0, n = Math.round(expected); i < n; i++) this.issueCard(prison, t);
    for (let i = 0; i < prison.spec.oat.initialClients; i++) this.enrolOat(prison, t);
    this.dayStarts(prison, t);
    this.scheduleOutreach(prison, 0);
    this.scheduleDemand(prison, t);
  }

  /** The scenario's placed events (none draws a random number). Prison joins are scheduled by begin. */
  private schedulePlacements(start: number): void {
    const machine = (id: string) => this.allMachines.find((m) => m.machineId === id);
    for (const pl of this.scenario.placements) {
      switch (pl.type) {
        case "machine_outage": {
          const at = start + pl.atHours * HOUR_MS;
          const until = at + pl.hours * HOUR_MS;
          if (at < this.endTime)
            this.queue.schedule(at, () => {
              this.fact(at, { fact: "placement", placement: pl });
              machine(pl.machineId)?.placeOutage(at, until);
            });
          break;
        }
        case "broker_outage": {
          const at = start + pl.atHours * HOUR_MS;
          const until = at + pl.hours * HOUR_MS;
          if (at >= this.endTime) break;
          this.queue.schedule(at, () => {
            this.fact(at, { fact: "placement", placement: pl });
            this.fact(at, { fact: "broker_outage_start" });
            this.officeHeld ??= [];
            for (const m of this.allMachines) if (this.hasJoined(m)) m.setBrokerDown(at, true);
          });
          if (until < this.endTime)
            this.queue.schedule(until, () => {
              this.fact(until, { fact: "broker_outage_end" });
              for (const m of this.allMachines) if (this.hasJoined(m)) m.setBrokerDown(until, false);
              const held = this.officeHeld ?? [];
              this.officeHeld = undefined;
              for (const item of held) this.out.deliver(item);
            });
          break;
        }
        case "decommission": {
          const at = start + pl.atHours * HOUR_MS;
          if (at >= this.endTime) break;
          this.queue.schedule(at, () => {
            const m = machine(pl.machineId);
            const prison = this.prisons.find((p) => p.machines.includes(m as SimMachine));
            const spec = prison?.spec.machines.find((x) => x.machineId === pl.machineId);
            if (m === undefined || prison === undefined || spec === undefined) return;
            this.fact(at, { fact: "placement", placement: pl });
            m.decommission(at);
            this.emitOffice(this.registry, at, {
              kind: "ref_machine",
              prisonId: prison.spec.prisonId,
              machineId: spec.machineId,
              location: spec.location,
              active: false,
              slots: spec.slots.map((x) => ({ slotId: x.slotId, itemId: x.itemId, capacity: x.capacity })),
            });
          });
          break;
        }
        case "census_gap":
        case "census_correction":
        case "prison_joins":
          break; // applied where the census is filed / by begin
        default: {
          const never: never = pl;
          throw new Error(`unknown placement ${JSON.stringify(never)}`);
        }
      }
    }
  }

  /** Machines of a prison that has not joined yet are not on the network. */
  private hasJoined(m: SimMachine): boolean {
    return m.isCommissioned;
  }

  /** ref_item (prison `programme`) from source `registry`. */
  private publishItems(t: number): void {
    for (const item of this.scenario.items) {
      this.emitOffice(this.registry, t, {
        kind: "ref_item",
        prisonId: PROGRAMME_PRISON_ID,
        itemId: item.itemId,
        name: item.name,
        category: item.category,
        syringesPerUnit: item.syringesPerUnit,
        tracksLots: item.tracksLots,
      });
    }
  }

  /** A prison's ref_prison and its ref_machine, from source `registry`, when it joins. */
  private publishPrison({ spec }: Prison, t: number): void {
    this.emitOffice(this.registry, t, {
      kind: "ref_prison",
      prisonId: spec.prisonId,
      name: spec.name,
      timeZone: spec.timeZone,
      capacity: spec.capacity,
      injectingPrevalence: spec.injectingPrevalence,
      opioidDependencePrevalence: spec.opioidDependencePrevalence,
      oatCapacity: spec.oat.capacity,
    });
    for (const m of spec.machines) {
      this.emitOffice(this.registry, t, {
        kind: "ref_machine",
        prisonId: spec.prisonId,
        machineId: m.machineId,
        location: m.location,
        active: true,
        slots: m.slots.map((s) => ({ slotId: s.slotId, itemId: s.itemId, capacity: s.capacity })),
      });
    }
  }

  // ---------------------------------------------------------------- card holders and demand

  private issueCard(prison: Prison, t: number): void {
    const rng = prison.peopleRng;
    const usage = this.scenario.usage;
    // A 7-byte NFC UID (ISO 14443, NXP prefix 04). It lives only in this object.
    const uid = `04${rng.hex(6)}`;
    const rate = rng.gamma(usage.visitsPerWeek.shape, usage.visitsPerWeek.mean / usage.visitsPerWeek.shape);
    const weight = Math.round(rate * WEIGHT_SCALE);
    const stay = rng.exponential(prison.meanStayDays) * DAY_MS;
    const card: Card = {
      uid,
      token: cardToken(this.options.cardTokenKey, uid),
      handle: -1,
      home: rng.int(prison.machines.length),
      releaseAt: t + stay,
      active: true,
    };
    this.cardUids.add(uid);
    card.handle = prison.cards.add(card, weight);
    const home = prison.machines[card.home];
    this.fact(t, {
      fact: "card_issued",
      prisonId: prison.spec.prisonId,
      cardToken: card.token,
      homeMachineId: home?.machineId ?? "",
      visitsPerWeek: weight / WEIGHT_SCALE,
    });
    if (card.releaseAt < this.endTime)
      this.queue.schedule(card.releaseAt, () => this.releaseCard(prison, card));
    const rn = usage.releaseNaloxone;
    if (rn !== undefined && rng.chance(rn.uptake)) {
      const at = this.visitTimeBetween(prison, rng, card.releaseAt - rn.daysBefore * DAY_MS, card.releaseAt);
      if (at > t && at < this.endTime)
        this.queue.schedule(at, () => {
          if (card.active) prison.machines[card.home]?.request(at, card, rn.itemId);
        });
    }
    if (t > this.startTime) this.scheduleDemand(prison, t);
  }

  /** A time in [from, to) drawn with the demand profile's weights (rejection sampling), so nobody visits while cells are locked. */
  private visitTimeBetween(prison: Prison, rng: Prng, from: number, to: number): number {
    for (let i = 0; i < 100; i++) {
      const at = from + rng.next() * (to - from);
      if (rng.next() * this.profile.max < this.profile.weightAt(prison.clock.hourOfWeek(at))) return at;
    }
    return Number.POSITIVE_INFINITY;
  }

  private releaseCard(prison: Prison, card: Card): void {
    const t = this.clockNow;
    card.active = false;
    prison.cards.remove(card.handle);
    if (prison.day) prison.day.releases++;
    prison.population = Math.max(1, prison.population - 1);
    this.fact(t, {
      fact: "card_retired",
      prisonId: prison.spec.prisonId,
      cardToken: card.token,
      reason: "released",
    });
    this.scheduleDemand(prison, t);
  }

  /**
   * Visits form a Poisson process of rate Σλᵢ·w(t) per prison, drawn by thinning against the
   * profile's peak; the visitor is drawn in proportion to personal rates. A new draw replaces the
   * pending one whenever the set of card holders changes (exponential gaps are memoryless).
   */
  private scheduleDemand(prison: Prison, from: number): void {
    const version = ++prison.demandVersion;
    const perWeek = prison.cards.totalWeight / WEIGHT_SCALE;
    const ratePerMs = (perWeek * this.profile.max) / WEEK_MS;
    if (ratePerMs <= 0) return;
    const t = from + prison.demandRng.exponential(1 / ratePerMs);
    if (t >= this.endTime) return;
    this.queue.schedule(t, () => {
      if (version !== prison.demandVersion) return;
      this.demandCandidate(prison, t);
    });
  }

  private demandCandidate(prison: Prison, t: number): void {
    const rng = prison.demandRng;
    const w = this.profile.weightAt(prison.clock.hourOfWeek(t));
    if (rng.next() * this.profile.max < w) {
      const card = prison.cards.sample(rng.next());
      if (card !== undefined) {
        const u = rng.next();
        const itemId = (this.itemMix.find((m) => u < m.cumulative) ?? this.itemMix[this.itemMix.length - 1])
          ?.itemId;
        const n = prison.machines.length;
        let index = card.home;
        if (n > 1 && !rng.chance(this.scenario.usage.homeMachineShare))
          index = (card.home + 1 + rng.int(n - 1)) % n;
        // A decommissioned machine's users go to the next machine still in service (no extra draw).
        for (let k = 0; k < n && prison.machines[index]?.isRetired; k++) index = (index + 1) % n;
        if (itemId !== undefined) prison.machines[index]?.request(t, card, itemId);
      }
    }
    this.scheduleDemand(prison, t);
  }

  // ---------------------------------------------------------------- population and census

  /** A local day starts: draw its admissions and releases; close and report the previous day. */
  private dayStarts(prison: Prison, t: number): void {
    const spec = prison.spec;
    const prev = prison.day;
    if (prev !== undefined) {
      prison.population = Math.max(1, prison.population + prev.admissions - prev.otherReleases);
      const census: OfficeBody<EventOf<"census">> = {
        kind: "census",
        prisonId: spec.prisonId,
        date: prev.date,
        population: Math.min(100_000, prison.population),
        admissions: Math.min(10_000, prev.admissions),
        releases: Math.min(10_000, prev.releases),
      };
      // The census office files the previous day's figures a few minutes after midnight.
      const at = t + 5 * MINUTE_MS;
      if (at < this.endTime) this.queue.schedule(at, () => this.fileCensus(prison, at, census));
    }
    const next = prison.clock.nextMidnight(t);
    const span = next - t;
    const frac = span / DAY_MS;
    const rng = prison.peopleRng;
    const admissions = rng.poisson(spec.admissionsPerDay * frac);
    const pCard = spec.injectingPrevalence * spec.cardUptake;
    for (let i = 0; i < admissions; i++) {
      const at = t + rng.next() * span;
      if (rng.chance(pCard) && at < this.endTime) this.queue.schedule(at, () => this.issueCard(prison, at));
    }
    const tracked = prison.cards.size + prison.oatClients.length;
    const untrackedShare = Math.max(0, 1 - tracked / prison.population);
    const otherReleases = Math.min(
      Math.max(0, prison.population - tracked),
      rng.poisson(spec.releasesPerDay * frac * untrackedShare),
    );
    prison.day = { date: prison.clock.localDate(t), admissions, releases: otherReleases, otherReleases };
    this.oatDay(prison, t, next);
    if (next < this.endTime) this.queue.schedule(next, () => this.dayStarts(prison, next));
  }

  /** Files a day's census, unless a placed gap covers it; schedules a placed late correction. */
  private fileCensus(prison: Prison, t: number, census: OfficeBody<EventOf<"census">>): void {
    const prisonId = prison.spec.prisonId;
    for (const pl of this.scenario.placements) {
      if (pl.type !== "census_gap" || pl.prisonId !== prisonId) continue;
      const from = Date.parse(`${pl.from}T00:00:00Z`);
      const day = Date.parse(`${census.date}T00:00:00Z`);
      if (day >= from && day < from + pl.days * DAY_MS) {
        this.fact(t, { fact: "census_missing", prisonId, date: census.date });
        return;
      }
    }
    this.emitOffice(prison.census, t, census);
    for (const pl of this.scenario.placements) {
      if (pl.type !== "census_correction" || pl.prisonId !== prisonId || pl.date !== census.date) continue;
      const at = t + pl.afterDays * DAY_MS;
      const population = Math.min(100_000, Math.max(0, census.population + pl.populationDelta));
      if (at < this.endTime)
        this.queue.schedule(at, () => {
          this.fact(at, { fact: "census_corrected", prisonId, date: census.date, population });
          this.emitOffice(prison.census, at, { ...census, population });
        });
    }
  }

  // ---------------------------------------------------------------- OAT register

  private oatDay(prison: Prison, t: number, next: number): void {
    const oat = prison.spec.oat;
    const rng = prison.oatRng;
    const span = next - t;
    const frac = span / DAY_MS;
    // Enrolments and non-release discharges happen in the health unit's working hours.
    const workAt = () => {
      const at = prison.clock.atLocalTime(t, rng.uniform(9, 16));
      return at > t ? at : t + rng.next() * span;
    };
    for (let i = rng.poisson((oat.enrolmentsPerWeek / 7) * frac); i > 0; i--) {
      const at = workAt();
      if (at < this.endTime)
        this.queue.schedule(at, () => {
          if (prison.oatClients.length < oat.capacity) this.enrolOat(prison, at);
        });
    }
    const d = oat.dischargesPerClientYear;
    const hazard = d.completed + d.transferred + d.left + d.died;
    const pLeave = 1 - Math.exp((-hazard * frac) / 365);
    for (const client of prison.oatClients) {
      if (!rng.chance(pLeave)) continue;
      const reason = pickReason(d, rng.next() * hazard);
      const at = workAt();
      if (at < this.endTime) this.queue.schedule(at, () => this.dischargeOat(prison, client, at, reason));
    }
    const round = prison.clock.atLocalTime(t, oat.dosingHour);
    if (round >= t && round < this.endTime) this.queue.schedule(round, () => this.dosingRound(prison, round));
  }

  private enrolOat(prison: Prison, t: number): void {
    const rng = prison.oatRng;
    const oat = prison.spec.oat;
    const medicine = rng.chance(oat.methadoneShare) ? "methadone" : "buprenorphine";
    // Maintenance doses: methadone mostly 60–120 mg, buprenorphine 8–24 mg (schema caps: 200 / 32 mg).
    const doseMg =
      medicine === "methadone"
        ? clamp(Math.round(rng.normal(85, 25) / 5) * 5, 20, 200)
        : clamp(Math.round(rng.normal(14, 5) / 2) * 2, 2, 32);
    const client: OatClient = { token: randomToken(rng), medicine, doseMg, active: true };
    prison.oatClients.push(client);
    this.emitOffice(prison.health, t, {
      kind: "oat",
      prisonId: prison.spec.prisonId,
      clientToken: client.token,
      action: "enrol",
      medicine,
      doseMg,
    });
    const releaseAt = t + rng.exponential(prison.meanStayDays) * DAY_MS;
    if (releaseAt < this.endTime)
      this.queue.schedule(releaseAt, () => {
        if (!client.active) return;
        if (prison.day) prison.day.releases++;
        prison.population = Math.max(1, prison.population - 1);
        this.dischargeOat(prison, client, releaseAt, "released");
      });
  }

  private dischargeOat(
    prison: Prison,
    client: OatClient,
    t: number,
    reason: NonNullable<EventOf<"oat">["dischargeReason"]>,
  ): void {
    if (!client.active) return;
    client.active = false;
    prison.oatClients = prison.oatClients.filter((c) => c !== client);
    this.emitOffice(prison.health, t, {
      kind: "oat",
      prisonId: prison.spec.prisonId,
      clientToken: client.token,
      action: "discharge",
      medicine: client.medicine,
      dischargeReason: reason,
    });
  }

  /** The morning round: clients come one after another over the dosing window. */
  private dosingRound(prison: Prison, t: number): void {
    const clients = [...prison.oatClients];
    if (clients.length === 0) return;
    const oat = prison.spec.oat;
    const gap = (oat.dosingWindowHours * HOUR_MS) / clients.length;
    const give = (i: number, at: number) => {
      const client = clients[i];
      if (client === undefined) return;
      if (client.active && !prison.oatRng.chance(oat.missedDoseRate)) {
        this.emitOffice(prison.health, at, {
          kind: "oat",
          prisonId: prison.spec.prisonId,
          clientToken: client.token,
          action: "dose",
          medicine: client.medicine,
          doseMg: client.doseMg,
        });
      }
      const next = Math.round(at + gap);
      if (i + 1 < clients.length && next < this.endTime) this.queue.schedule(next, () => give(i + 1, next));
    };
    give(0, t);
  }

  // ---------------------------------------------------------------- outreach

  private visitTime(prison: Prison, k: number): number {
    const o = prison.spec.outreach;
    return prison.clock.atLocalTime(this.startTime, (o.firstVisitDay + k * o.intervalDays) * 24 + o.hour);
  }

  /**
   * Plans visit k at (visit − lead time). By default from the stock seen then: the team brings the
   * gap plus a margin and visits the machines in scenario order; an `outreachPlanner` may decide both.
   */
  private scheduleOutreach(prison: Prison, k: number): void {
    const o = prison.spec.outreach;
    let visitAt = this.visitTime(prison, k);
    while (visitAt < prison.joinedAt) visitAt = this.visitTime(prison, ++k);
    if (visitAt >= this.endTime) return;
    const planAt = Math.max(prison.joinedAt, visitAt - o.leadTimeDays * DAY_MS);
    const visitId = `${prison.spec.prisonId}-v${k + 1}`;
    this.queue.schedule(planAt, () => {
      const nextVisitAt = this.visitTime(prison, k + 1);
      const fixed = prison.machines.map(
        (m) =>
          new Map(
            m.slots.map((s) => [
              s.slotId,
              m.isRetired ? 0 : Math.max(0, s.capacity - s.level + Math.round(o.extraShare * s.capacity)),
            ]),
          ),
      );
      const { order, planned: orders } = this.planOutreach(prison, fixed, {
        visitId,
        visitAt,
        nextVisitAt,
        planAt,
      });
      const lines: { machineId: string; slotId: string; itemId: string; quantity: number }[] = [];
      for (const i of order) {
        const m = prison.machines[i];
        for (const s of m?.slots ?? [])
          lines.push({
            machineId: m?.machineId ?? "",
            slotId: s.slotId,
            itemId: s.itemId,
            quantity: orders[i]?.get(s.slotId) ?? 0,
          });
      }
      this.fact(planAt, {
        fact: "outreach_planned",
        prisonId: prison.spec.prisonId,
        visitId,
        visitAt: new Date(visitAt).toISOString(),
        lines,
      });
      // Machines one after another in `order` (position p).
      const visitMachine = (p: number, at: number) => {
        const i = order[p];
        const machine = i === undefined ? undefined : prison.machines[i];
        const planned = i === undefined ? undefined : orders[i];
        if (machine === undefined || planned === undefined) return;
        const done = machine.service(
          at,
          { visitId, planned, nextVisitAt },
          this.warehouse,
          o.minutesPerMachine,
        );
        const next = Math.max(done, at) + 5 * MINUTE_MS;
        if (p + 1 < order.length && next < this.endTime)
          this.queue.schedule(next, () => visitMachine(p + 1, next));
      };
      this.queue.schedule(visitAt, () => visitMachine(0, visitAt));
      this.scheduleOutreach(prison, k + 1);
    });
  }

  /** The fixed policy (machines in scenario order), or the outreach planner's plan when there is one. */
  private planOutreach(
    prison: Prison,
    fixed: Map<string, number>[],
    visit: { visitId: string; visitAt: number; nextVisitAt: number; planAt: number },
  ): ResolvedPlan {
    const planner = this.options.outreachPlanner;
    const received = this.received;
    if (planner === undefined || received === undefined)
      return { order: prison.machines.map((_, i) => i), planned: fixed };
    const prisonId = prison.spec.prisonId;
    const machines: OutreachMachine[] = prison.machines.map((m) => ({
      machineId: m.machineId,
      slots: m.slots.map((s) => ({ slotId: s.slotId, itemId: s.itemId, capacity: s.capacity })),
    }));
    const fixedPolicy: OutreachLine[] = prison.machines.flatMap((m, i) =>
      m.slots.map((s) => ({
        machineId: m.machineId,
        slotId: s.slotId,
        quantity: fixed[i]?.get(s.slotId) ?? 0,
      })),
    );
    const plan = planner({
      prisonId,
      timeZone: prison.spec.timeZone,
      outreach: { ...prison.spec.outreach },
      ...visit,
      runStart: this.startTime,
      machines,
      events: () => received.of(prisonId),
      fixedPolicy,
    });
    return resolvePlan(prisonId, machines, plan);
  }

  // ---------------------------------------------------------------- emission

  private emitOffice(source: OfficeSource, t: number, body: OfficeBody<OfficeEvent>): void {
    const seq = ++source.seq;
    const { kind, prisonId, ...fields } = body;
    const event = {
      v: SCHEMA_VERSION,
      kind,
      prisonId,
      sourceId: source.sourceId,
      seq,
      time: source.clock.iso(t),
      ...fields,
    };
    const payload = JSON.stringify(event);
    const key = `${source.sourceId}:${seq}`;
    this.count(kind);
    this.fact(t, { fact: "event", key }, payload);
    const item: DeliveryItem = {
      type: "event",
      source: source.sourceId,
      device: false,
      topic: mqttTopic({ prisonId, sourceId: source.sourceId, kind }),
      key,
      payload,
    };
    if (this.officeHeld) this.officeHeld.push(item);
    else this.out.deliver(item);
  }

  private fact(t: number, fact: LedgerFact, payload?: string): void {
    this.out.fact(t, fact, payload);
  }

  private count(kind: string): void {
    this.stats.events++;
    this.stats.byKind[kind] = (this.stats.byKind[kind] ?? 0) + 1;
  }
}

const DISCHARGE_REASONS = ["completed", "transferred", "left", "died"] as const;

/** The discharge reason whose cumulative hazard interval holds `u`. */
function pickReason(hazards: Record<(typeof DISCHARGE_REASONS)[number], number>, u: number) {
  let acc = 0;
  for (const r of DISCHARGE_REASONS) {
    acc += hazards[r];
    if (u < acc) return r;
  }
  return "left";
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** An anonymous 128-bit client token issued by the health unit (base64url, 22 characters). */
function randomToken(rng: Prng): string {
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < 16; i += 4) bytes.writeUInt32BE(rng.nextUint32(), i);
  return bytes.toString("base64url");
}

function sortedCounts(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
}
