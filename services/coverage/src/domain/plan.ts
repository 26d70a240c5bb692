import { localDate } from "@hrvend/runtime/time";
import type { EventKind, EventOf, HrEvent } from "@hrvend/schemas";
import { PROGRAMME } from "./figures";
import { fullWindowMask, GRAINS, type Grain, type Period, periodOf, windowIndex } from "./periods";

/** What coverage needs to know about a prison and an item, from the registry's ref_* events. */
export interface PrisonRef {
  timeZone: string;
}
export interface ItemRef {
  category: EventOf<"ref_item">["category"];
  syringesPerUnit: number;
}
export interface Refs {
  prisons: ReadonlyMap<string, PrisonRef>;
  items: ReadonlyMap<string, ItemRef>;
}

export interface DispenseRow {
  eventKey: string;
  prisonId: string;
  itemId: string;
  category: ItemRef["category"];
  localDate: string;
  quantity: number;
  syringes: number;
  /** Kept only for syringe-kit dispenses (NSP clients), and only in memory and coverage's own tables. */
  cardToken: string | null;
}
export interface CensusRow {
  prisonId: string;
  date: string;
  population: number;
  admissions: number;
  releases: number;
  seq: number;
  sourceId: string;
}
export interface OatRow {
  eventKey: string;
  prisonId: string;
  clientToken: string;
  action: "enrol" | "discharge";
  at: string;
  localDate: string;
  seq: number;
  sourceId: string;
}

export interface BatchPlan {
  prisons: (EventOf<"ref_prison"> & { eventKey: string })[];
  items: EventOf<"ref_item">[];
  dispenses: DispenseRow[];
  census: CensusRow[];
  oat: OatRow[];
  /** Events that need reference data not seen yet (prison time zone, item category): kept until it comes. */
  pending: { eventKey: string; event: HrEvent }[];
}

/**
 * The kinds coverage drops unread (planBatch's empty cases): the consumer leaves them out
 * undecoded (heartbeats are 89 % of the pilot's events, 99 % of the estate's).
 */
export const IGNORED_KINDS: ReadonlySet<EventKind> = new Set<EventKind>([
  "dispense_refused",
  "restock",
  "stock_adjustment",
  "heartbeat",
  "fault",
  "status",
  "ref_machine",
  "alert_ack",
]);

/**
 * Sorts a batch into what coverage stores. Dispenses and OAT events are placed on the prison's
 * local calendar (docs/domain.md: per prison, per period; periods in the prison's local time); a
 * census already names its local date. OAT doses change nobody's status and are not kept: the
 * register's enrolments and discharges say who is active at the end of a period.
 */
export function planBatch(events: readonly { key: string; event: HrEvent }[], refs: Refs): BatchPlan {
  const plan: BatchPlan = { prisons: [], items: [], dispenses: [], census: [], oat: [], pending: [] };
  for (const { key, event: e } of events) {
    switch (e.kind) {
      case "ref_prison":
        plan.prisons.push({ ...e, eventKey: key });
        break;
      case "ref_item":
        plan.items.push(e);
        break;
      case "dispense": {
        const prison = refs.prisons.get(e.prisonId);
        const item = refs.items.get(e.itemId);
        if (!prison || !item) {
          plan.pending.push({ eventKey: key, event: e });
          break;
        }
        plan.dispenses.push({
          eventKey: key,
          prisonId: e.prisonId,
          itemId: e.itemId,
          category: item.category,
          localDate: eventDate(e.deviceTime, prison.timeZone),
          quantity: e.quantity,
          syringes: e.quantity * item.syringesPerUnit,
          cardToken: item.category === "syringe_kit" ? e.cardToken : null,
        });
        break;
      }
      case "census":
        plan.census.push({
          prisonId: e.prisonId,
          date: e.date,
          population: e.population,
          admissions: e.admissions,
          releases: e.releases,
          seq: e.seq,
          sourceId: e.sourceId,
        });
        break;
      case "oat": {
        if (e.action === "dose") break;
        const prison = refs.prisons.get(e.prisonId);
        if (!prison) {
          plan.pending.push({ eventKey: key, event: e });
          break;
        }
        plan.oat.push({
          eventKey: key,
          prisonId: e.prisonId,
          clientToken: e.clientToken,
          action: e.action,
          at: e.time,
          localDate: eventDate(e.time, prison.timeZone),
          seq: e.seq,
          sourceId: e.sourceId,
        });
        break;
      }
      case "dispense_refused":
      case "restock":
      case "stock_adjustment":
      case "heartbeat":
      case "fault":
      case "status":
      case "ref_machine":
      case "alert_ack":
        break;
      default: {
        const never: never = e;
        throw new Error(`unhandled event ${(never as HrEvent).kind}`);
      }
    }
  }
  return plan;
}

/**
 * The local date of an event's time in its prison's zone. A date before the year 1000 is refused
 * (a RangeError: the consumer parks the message as poison, README "Run"), as coverage always has:
 * no event of the programme is that old, PostgreSQL has no year 0, and the calendar arithmetic of
 * the periods (Date.UTC) reads years 0–99 as 1900–1999.
 */
function eventDate(instant: string, timeZone: string): string {
  const date = localDate(instant, timeZone);
  if (date < "1000-01-01") throw new RangeError(`no local date coverage can store for ${instant} (${date})`);
  return date;
}

/** One card's presence in one period of one scope, with the 30-day windows it was seen in. */
export interface CardPeriodRow {
  scope: string;
  grain: Grain;
  periodStart: string;
  cardToken: string;
  windows: number;
}

/**
 * First-seen rows for exact distinct counts (docs/domain.md: NSP active clients = distinct card
 * tokens with ≥1 syringe-kit dispense in the period), for the prison and the programme at every
 * grain, with the window bits regular access needs. Stored with ON CONFLICT … windows | new
 * bits, so replays and redeliveries change nothing.
 */
export function cardPeriodRows(dispenses: readonly DispenseRow[]): CardPeriodRow[] {
  const rows = new Map<string, CardPeriodRow>();
  for (const d of dispenses) {
    if (d.cardToken === null) continue;
    for (const scope of [d.prisonId, PROGRAMME]) {
      for (const grain of GRAINS) {
        const p = periodOf(d.localDate, grain);
        const i = windowIndex(p, d.localDate);
        const bit = i < 0 ? 0 : 2 ** i;
        const k = `${scope}|${grain}|${p.start}|${d.cardToken}`;
        const row = rows.get(k);
        if (row) row.windows |= bit;
        else rows.set(k, { scope, grain, periodStart: p.start, cardToken: d.cardToken, windows: bit });
      }
    }
  }
  return [...rows.values()];
}

/** Sums of new dispenses per prison, local day and item (added to coverage.dispense_day): quantity, syringes, dispenses. */
export function dispenseDays(
  fresh: readonly DispenseRow[],
): { d: DispenseRow; quantity: number; syringes: number; n: number }[] {
  const days = new Map<string, { d: DispenseRow; quantity: number; syringes: number; n: number }>();
  for (const d of fresh) {
    const k = `${d.prisonId}|${d.localDate}|${d.itemId}`;
    const cur = days.get(k) ?? { d, quantity: 0, syringes: 0, n: 0 };
    cur.quantity += d.quantity;
    cur.syringes += d.syringes;
    cur.n += 1;
    days.set(k, cur);
  }
  return [...days.values()];
}

/** Earliest syringe-kit date per (scope, card): "new" clients are those whose first date falls in the period. */
export function firstDates(
  dispenses: readonly DispenseRow[],
): { scope: string; cardToken: string; date: string }[] {
  const out = new Map<string, { scope: string; cardToken: string; date: string }>();
  for (const d of dispenses) {
    if (d.cardToken === null) continue;
    for (const scope of [d.prisonId, PROGRAMME]) {
      const k = `${scope}|${d.cardToken}`;
      const cur = out.get(k);
      if (!cur || d.localDate < cur.date) out.set(k, { scope, cardToken: d.cardToken, date: d.localDate });
    }
  }
  return [...out.values()];
}

export interface TouchedPeriod extends Period {
  scope: string;
  /** Bit mask of a client seen in every window (0: no regular-access figure). */
  fullMask: number;
}

/** Every period (every grain) of the given scopes containing one of the dates, once. */
export function touchedPeriods(dated: readonly { scope: string; date: string }[]): TouchedPeriod[] {
  const out = new Map<string, TouchedPeriod>();
  for (const { scope, date } of dated) {
    for (const grain of GRAINS) {
      const p = periodOf(date, grain);
      const k = `${scope}|${grain}|${p.start}`;
      if (!out.has(k)) out.set(k, { ...p, scope, fullMask: fullWindowMask(p) });
    }
  }
  return [...out.values()];
}

/** A prison's date counts for the prison and for the programme. */
export function withProgramme(prisonId: string, date: string): { scope: string; date: string }[] {
  return [
    { scope: prisonId, date },
    { scope: PROGRAMME, date },
  ];
}
