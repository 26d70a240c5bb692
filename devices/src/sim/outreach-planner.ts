import type { HrEvent } from "@hrvend/schemas";
import type { PrisonSpec } from "../scenario/scenario-schema";
import type { DeliveryItem } from "./delivery-item";
import type { LedgerFact } from "./ledger-fact";
import type { SimOutput } from "./sim-output";

/** A slot as the outreach team knows it (reference data). */
export interface OutreachSlot {
  slotId: string;
  itemId: string;
  capacity: number;
}

export interface OutreachMachine {
  machineId: string;
  /** In the machine's slot order. */
  slots: readonly OutreachSlot[];
}

/** Units to bring for one slot. */
export interface OutreachLine {
  machineId: string;
  slotId: string;
  quantity: number;
}

/** What a planner is told when a visit is planned (at `planAt` = visit − lead time). */
export interface OutreachPlanRequest {
  prisonId: string;
  /** The prison's IANA time zone. */
  timeZone: string;
  /** The scenario's outreach schedule of the prison (interval, lead time, hour, margin…). */
  outreach: PrisonSpec["outreach"];
  visitId: string;
  /** Instants in ms since the epoch. */
  visitAt: number;
  /** The visit after this one (lots expiring by then are swapped at this visit). */
  nextVisitAt: number;
  planAt: number;
  /** When the simulation started: no event is older. */
  runStart: number;
  /** The prison's machines in the scenario's order (the default visiting order). */
  machines: readonly OutreachMachine[];
  /**
   * The prison's events (its machines', census, health unit, and the registry's `ref_prison` /
   * `ref_machine`) that a subscriber has received by `planAt`, in arrival order: what hrvend
   * knows. Events an offline machine still holds in its outbox are not there yet. Parsed once and
   * shared; a copy of the list, valid after the call too. Do not mutate the events.
   */
  events(): readonly HrEvent[];
  /**
   * The scenario's fixed policy for this visit (capacity − level now + extraShare × capacity per
   * slot). Ground truth of the simulated world (it reads the real levels): a planner modelling
   * hrvend must not use it; it is here for baselines and tests.
   */
  fixedPolicy: readonly OutreachLine[];
}

export interface OutreachPlan {
  /** Units to bring per slot; a slot left out gets none. The team loads at most up to capacity. */
  lines: readonly OutreachLine[];
  /** Machines to visit first, in order (by machine id); machines left out follow in the scenario's order. */
  machineOrder?: readonly string[];
}

/**
 * Plans what the outreach team brings to a visit, instead of the scenario's fixed policy. Must be
 * pure and deterministic (same request ⇒ same plan), or the run is no longer reproducible.
 */
export type OutreachPlanner = (request: OutreachPlanRequest) => OutreachPlan;

/** A planner's plan turned into the visit's orders: machine indexes in visiting order, quantities per slot. */
export interface ResolvedPlan {
  /** Indexes into the prison's machines, in visiting order. */
  order: number[];
  /** Per machine (by index), quantity per slot id. */
  planned: Map<string, number>[];
}

/** Checks a planner's answer against the prison's machines; a bad plan is a bug in the planner. */
export function resolvePlan(
  prisonId: string,
  machines: readonly OutreachMachine[],
  plan: OutreachPlan,
): ResolvedPlan {
  const index = new Map(machines.map((m, i) => [m.machineId, i]));
  const planned = machines.map(() => new Map<string, number>());
  for (const line of plan.lines) {
    const i = index.get(line.machineId);
    const machine = i === undefined ? undefined : machines[i];
    if (i === undefined || machine === undefined || !machine.slots.some((s) => s.slotId === line.slotId))
      throw new OutreachPlanError(`no slot ${line.machineId}/${line.slotId} in prison ${prisonId}`);
    if (!Number.isInteger(line.quantity) || line.quantity < 0)
      throw new OutreachPlanError(
        `quantity for ${line.machineId}/${line.slotId} must be a whole number ≥ 0, got ${line.quantity}`,
      );
    const slots = planned[i];
    if (slots?.has(line.slotId))
      throw new OutreachPlanError(`${line.machineId}/${line.slotId} planned twice`);
    slots?.set(line.slotId, line.quantity);
  }
  // Slots left out get 0, in slot order (the ledger lists every slot).
  machines.forEach((m, i) => {
    const given = planned[i] ?? new Map<string, number>();
    planned[i] = new Map(m.slots.map((s) => [s.slotId, given.get(s.slotId) ?? 0]));
  });
  const order: number[] = [];
  for (const id of plan.machineOrder ?? []) {
    const i = index.get(id);
    if (i === undefined) throw new OutreachPlanError(`machine order names ${id}, not in prison ${prisonId}`);
    if (order.includes(i)) throw new OutreachPlanError(`machine order names ${id} twice`);
    order.push(i);
  }
  for (let i = 0; i < machines.length; i++) if (!order.includes(i)) order.push(i);
  return { order, planned };
}

/** A planner returned something the simulation cannot carry out. */
export class OutreachPlanError extends Error {
  override readonly name = "OutreachPlanError";
}

/**
 * Passes everything through to `out` and keeps, per prison, the payloads delivered so far (events
 * and wills, in arrival order), parsing them only when a planner asks.
 */
export class ReceivedEvents implements SimOutput {
  private readonly byPrison = new Map<string, { pending: string[]; parsed: HrEvent[] }>();

  constructor(private readonly out: SimOutput) {}

  deliver(item: DeliveryItem): void {
    this.out.deliver(item);
    if (item.type !== "event" && item.type !== "will") return;
    const prisonId = prisonOf(item.payload);
    let log = this.byPrison.get(prisonId);
    if (log === undefined) {
      log = { pending: [], parsed: [] };
      this.byPrison.set(prisonId, log);
    }
    log.pending.push(item.payload);
  }

  fact(t: number, fact: LedgerFact, eventPayload?: string): void {
    this.out.fact(t, fact, eventPayload);
  }

  /** The prison's events received so far, parsed (the simulation wrote them to the contract). */
  of(prisonId: string): readonly HrEvent[] {
    const log = this.byPrison.get(prisonId);
    if (log === undefined) return [];
    for (const payload of log.pending) log.parsed.push(JSON.parse(payload) as HrEvent);
    log.pending = [];
    return log.parsed.slice();
  }
}

/** `prisonId` of a payload the simulation serialised (envelope: `{"v":…,"kind":…,"prisonId":"…"`). */
function prisonOf(payload: string): string {
  const at = payload.indexOf('"prisonId":"');
  if (at < 0) return "";
  const from = at + 12;
  return payload.slice(from, payload.indexOf('"', from));
}
