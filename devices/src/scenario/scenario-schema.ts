import { ID_PATTERN, Id, TimeZone } from "@hrvend/schemas";
import { z } from "zod";

/**
 * The scenario file format (JSON). Rates are per simulated calendar unit named in the field
 * (perMonth = per 30 days). Figures in the shipped scenarios cite docs/domain.md.
 */

const share = z.number().min(0).max(1);
const nonNegative = z.number().min(0);
const positive = z.number().positive();
const hourOfDay = z.number().min(0).max(24);
const range = (schema: z.ZodNumber) =>
  z
    .strictObject({ min: schema, max: schema })
    .refine((r) => r.min <= r.max, { message: "min must not exceed max" });

export const ItemSpec = z.strictObject({
  itemId: Id,
  name: z.string().min(1).max(120),
  category: z.enum(["syringe_kit", "naloxone_nasal", "naloxone_injectable", "other"]),
  /** Syringes in one unit (a Trac-B kit holds 10; docs/domain.md). */
  syringesPerUnit: z.int().min(0).max(100),
  /** Perishables (naloxone) carry lots with expiry dates and are dispensed first-expiry-first-out. */
  tracksLots: z.boolean(),
});

/** A lot in the programme's warehouse; outreach loads lots first-expiry-first-out. */
export const LotSpec = z.strictObject({
  lotId: Id,
  itemId: Id,
  /** Expiry date = scenario start date + this many days (so a scenario stays valid whatever its start). */
  expiresAfterDays: z.int().min(1).max(3650),
  quantity: z.int().min(1),
});

/** A per-card limit enforced by every machine: at most `max` units of `itemId` in any `windowDays` window. */
export const QuotaSpec = z.strictObject({
  itemId: Id,
  max: z.int().min(1).max(100),
  windowDays: positive,
});

export const SlotSpec = z.strictObject({
  slotId: Id,
  itemId: Id,
  capacity: z.int().min(1).max(1000),
  /** Units loaded at commissioning (defaults to capacity). */
  initial: z.int().min(0).max(1000).optional(),
});

export const MachineSpec = z.strictObject({
  machineId: Id,
  location: z.string().min(1).max(120),
  slots: z.array(SlotSpec).min(1).max(64),
});

export const OutreachSpec = z.strictObject({
  /** Days between restock visits to the prison. */
  intervalDays: positive,
  /** Day (from the start) of the first visit; visits then repeat every intervalDays. */
  firstVisitDay: nonNegative,
  /** Local hour of day the team arrives. */
  hour: hourOfDay,
  /** Days between planning the load (reading stock) and the visit. */
  leadTimeDays: nonNegative,
  /** Extra units brought per slot on top of the gap seen at planning time, as a share of capacity. */
  extraShare: share.default(0.2),
  /** How long the door is open while the team restocks one machine. */
  minutesPerMachine: positive.default(20),
});

export const OatSpec = z.strictObject({
  /** Places on the OAT programme (ref_prison.oatCapacity). */
  capacity: z.int().min(0).max(100_000),
  initialClients: z.int().min(0),
  enrolmentsPerWeek: nonNegative,
  methadoneShare: share,
  /** Local hour the health unit starts the daily dosing round, and its length. */
  dosingHour: hourOfDay.default(8),
  dosingWindowHours: positive.default(2),
  missedDoseRate: share.default(0.03),
  /** Yearly hazards per client of leaving OAT for reasons other than release. */
  dischargesPerClientYear: z
    .strictObject({ completed: nonNegative, transferred: nonNegative, left: nonNegative, died: nonNegative })
    .default({ completed: 0.15, transferred: 0.05, left: 0.1, died: 0.005 }),
});

export const PrisonSpec = z.strictObject({
  prisonId: Id.refine((id) => id.length <= 57, "must be at most 57 characters (sources add '-census')"),
  name: z.string().min(1).max(120),
  timeZone: TimeZone,
  /** Official capacity (places). */
  capacity: z.int().min(1).max(100_000),
  /** Population at the start. */
  population: z.int().min(1).max(100_000),
  admissionsPerDay: nonNegative,
  releasesPerDay: nonNegative,
  injectingPrevalence: share,
  opioidDependencePrevalence: share,
  /** Share of people who inject that hold an NSP card. */
  cardUptake: share,
  oat: OatSpec,
  outreach: OutreachSpec,
  machines: z.array(MachineSpec).min(1),
});

export const UsageSpec = z.strictObject({
  /**
   * Card holders' personal visit rates are Gamma distributed (mean, shape): a small shape means a
   * few heavy users and many occasional ones.
   */
  visitsPerWeek: z.strictObject({ mean: positive, shape: positive }),
  /** What a visit asks for. Shares are normalised. */
  itemMix: z.array(z.strictObject({ itemId: Id, share: nonNegative })).min(1),
  /** Share of visits to the card holder's own (nearest) machine; the rest go to another one in the prison. */
  homeMachineShare: share,
  /** Relative use by local hour (24 values) and weekday (7 values, Monday first). */
  diurnal: z.array(nonNegative).length(24),
  weekly: z.array(nonNegative).length(7),
  /** The health unit's staffed hours; everything else is "out of hours". */
  staffedHours: z.strictObject({ start: hourOfDay, end: hourOfDay, weekdaysOnly: z.boolean() }),
  /** Target share of visits out of hours (Melbourne's machines: 69%; docs/domain.md). */
  outOfHoursShare: share,
  /** Take-home naloxone before release: the card holder asks for `itemId` within `daysBefore` days. */
  releaseNaloxone: z.strictObject({ itemId: Id, uptake: share, daysBefore: positive }).optional(),
});

export const FaultSpec = z.strictObject({
  /** Chance that a vend jams the slot (the unit stays in; the slot is blocked until repaired). */
  jamPerDispense: share,
  jamRepairHours: positive,
  cardReader: z.strictObject({ perMonth: nonNegative, meanHours: positive }),
  /** Network outages: the machine keeps working and buffers its events. */
  offline: z.strictObject({ perMonth: nonNegative, meanMinutes: positive }),
  /** Mains cuts: the machine runs on battery (no vending) and goes dark if the cut outlasts it. */
  powerCut: z.strictObject({ perMonth: nonNegative, meanMinutes: positive, batteryHours: positive }),
  /** After a restock the door is sometimes left open; the firmware alarms after alarmAfterMinutes. */
  doorLeftOpen: z.strictObject({ perVisit: share, meanMinutes: positive, alarmAfterMinutes: positive }),
  /** Cabinet temperature; naloxone is stored at 20–25 °C with excursions to 5–40 °C allowed (docs/domain.md). */
  temperature: z.strictObject({
    ambientC: z.number().min(-20).max(50),
    dailySwingC: nonNegative,
    noiseC: nonNegative,
    excursionsPerMonth: nonNegative,
    meanHours: positive,
    peakC: range(z.number().min(-40).max(85)),
    alarmLowC: z.number(),
    alarmHighC: z.number(),
  }),
  tamper: z.strictObject({ perMonth: nonNegative, meanMinutes: positive }),
  /** Chance per slot and visit of a count correction (±1) or a damaged unit removed. */
  countCorrectionPerVisit: share,
  damagedPerVisit: share,
});

/** Hours after the run's start (so a placement stays valid whatever the start). */
const atHours = nonNegative;
const localDate = z.iso.date({ message: "must be a local date YYYY-MM-DD" });

/**
 * Events a test places at a given time instead of drawing them at random (docs/architecture.md,
 * invariant 5: the ledger records each). They take no random draw, so a scenario without
 * placements gives the same output, byte for byte, as before they existed.
 */
export const PlacementSpec = z.discriminatedUnion("type", [
  /** The machine's network is down from atHours for `hours`: it keeps working and buffers (the broker publishes its will). */
  z.strictObject({ type: z.literal("machine_outage"), machineId: Id, atHours, hours: positive }),
  /**
   * The broker is unreachable for every source from atHours for `hours`: machines lose their
   * connections (wills) and buffer, office sources hold their events. In MQTT mode the simulator
   * drops its own connections; a test that also stops the real broker does so itself.
   */
  z.strictObject({ type: z.literal("broker_outage"), atHours, hours: positive }),
  /** The census office files nothing for `days` local days from `from` (inclusive). */
  z.strictObject({
    type: z.literal("census_gap"),
    prisonId: Id,
    from: localDate,
    days: z.int().min(1).max(3650),
  }),
  /** `afterDays` after the day's census was filed, the office files it again with the population corrected by `populationDelta`. */
  z.strictObject({
    type: z.literal("census_correction"),
    prisonId: Id,
    date: localDate,
    afterDays: positive,
    populationDelta: z.int().min(-100_000).max(100_000),
  }),
  /** The machine is taken out of service: a clean shutdown, the registry marks it inactive, nothing more from it. */
  z.strictObject({ type: z.literal("decommission"), machineId: Id, atHours }),
  /** The prison joins the programme at atHours: its reference data, machines, cards, census and OAT register start then. */
  z.strictObject({ type: z.literal("prison_joins"), prisonId: Id, atHours: positive }),
]);

/** A compact description of a large estate, expanded by code into prisons and machines. */
export const GenerateSpec = z.strictObject({
  prisons: z.int().min(1).max(100_000),
  machinesPerPrison: z.int().min(1).max(64),
  idPrefix: Id.refine((id) => id.length <= 40, "must be at most 40 characters"),
  namePrefix: z.string().min(1).max(80),
  timeZones: z.array(TimeZone).min(1),
  population: range(z.int().min(1).max(100_000)),
  /** Admissions (and releases) per year as a multiple of the population. */
  turnoverPerYear: nonNegative,
  injectingPrevalence: range(share),
  opioidDependencePrevalence: range(share),
  cardUptake: share,
  oat: z.strictObject({
    /** Initial clients as a share of the estimated opioid-dependent population. */
    coverage: share,
    /** Capacity as a multiple of the initial clients. */
    capacityFactor: z.number().min(1),
    methadoneShare: share,
  }),
  outreach: OutreachSpec,
  slots: z.array(SlotSpec).min(1).max(64),
});

export const ScenarioSpec = z
  .strictObject({
    name: Id,
    description: z.string().max(2000).optional(),
    /** Simulated start instant, ISO 8601 with offset. */
    start: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time with offset" }),
    heartbeatSeconds: z.int().min(10).max(3600),
    /** MQTT keepalive; the broker publishes a will about 1.5 × this after a connection dies. */
    keepaliveSeconds: z.int().min(5).max(3600).default(60),
    firmware: z.string().min(1).max(32),
    items: z.array(ItemSpec).min(1),
    lots: z.array(LotSpec).default([]),
    quotas: z.array(QuotaSpec).default([]),
    usage: UsageSpec,
    faults: FaultSpec,
    prisons: z.array(PrisonSpec).optional(),
    generate: GenerateSpec.optional(),
    placements: z.array(PlacementSpec).default([]),
  })
  .superRefine((s, ctx) => {
    if ((s.prisons === undefined) === (s.generate === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["prisons"],
        message: "give exactly one of 'prisons' or 'generate'",
      });
    }
  });

export type ScenarioSpec = z.output<typeof ScenarioSpec>;
export type PrisonSpec = z.output<typeof PrisonSpec>;
export type MachineSpec = z.output<typeof MachineSpec>;
export type SlotSpec = z.output<typeof SlotSpec>;
export type ItemSpec = z.output<typeof ItemSpec>;
export type LotSpec = z.output<typeof LotSpec>;
export type QuotaSpec = z.output<typeof QuotaSpec>;
export type UsageSpec = z.output<typeof UsageSpec>;
export type FaultSpec = z.output<typeof FaultSpec>;
export type OatSpec = z.output<typeof OatSpec>;
export type OutreachSpec = z.output<typeof OutreachSpec>;
export type GenerateSpec = z.output<typeof GenerateSpec>;
export type PlacementSpec = z.output<typeof PlacementSpec>;

/** A scenario with its prisons listed (a `generate` block expanded). */
export type Scenario = Omit<ScenarioSpec, "prisons" | "generate"> & { prisons: PrisonSpec[] };

/** Reserved prison id for programme-wide reference data (ref_item events). */
export const PROGRAMME_PRISON_ID = "programme";
/** Source id of reference data (ref_prison, ref_machine, ref_item). */
export const REGISTRY_SOURCE_ID = "registry";
export const censusSourceId = (prisonId: string) => `${prisonId}-census`;
export const healthSourceId = (prisonId: string) => `${prisonId}-health`;

export function isId(s: string): boolean {
  return ID_PATTERN.test(s);
}
