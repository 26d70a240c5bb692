import type { MachineInput } from "./evolve-machine";
import { ms } from "./time";

/**
 * Puts a machine's events back in seq order. A shared MQTT subscription spreads one machine's
 * messages over several gateway connections, so they reach the stream out of order (by up to
 * the gateways' in-flight windows); docs/domain.md's stock figures are defined in per-machine seq
 * order. Events are held until the gap before them fills, but never for long (invariant 6):
 *
 * - a birth (status online, seq n) reserves n + 1 for its will, which comes whenever the
 *   connection ends: that seq never blocks, and the will is applied when it arrives;
 * - a seq the gateway dead-lettered (its dead letter names the source and the seq) will not
 *   come: it is skipped as soon as it is known;
 * - any other gap is skipped once events have waited `boundMs` without progress, measured on
 *   the stream's clock (the time JetStream stored each message; a live timer passes the
 *   service's clock), never on device clocks.
 *
 * An event of a skipped seq that arrives later passes at once: the domain applies it with the
 * same semantics as any late event (the level follows the highest seq, lot sums stay exact).
 * Plain JSON, stored with the machine's state; the decisions depend only on the stream, so a
 * rebuild from the stream takes the same ones.
 */
export interface SeqOrder {
  /** The next seq to apply. */
  next: number;
  /** Events that came early, by seq. */
  held: MachineInput[];
  /** Seqs reserved for wills (skipped by `next`, applied on arrival). */
  reserved: number[];
  /** Dead-lettered seqs at or above `next`: skipped when `next` reaches them. */
  dead?: number[];
  /** Stream time since which held events have waited without progress; null when none is held. */
  waitingSince?: string | null;
  /** Stream time of the latest event of the machine that arrived (the live timer's reference). */
  arrivedAt?: string | null;
}

export const NEW_SEQ_ORDER: SeqOrder = {
  next: 1,
  held: [],
  reserved: [],
  dead: [],
  waitingSince: null,
  arrivedAt: null,
};

/**
 * Past this many held events the gap is given up on regardless of time (a burst larger than any
 * bound could explain): ordering resumes at the lowest held seq.
 */
const MAX_HELD = 20_000;

/** The stream's (or, on the live timer, the service's) clock, and how long a gap may block. */
export interface OrderClock {
  at: string;
  boundMs: number;
}

/** Seqs `next` passed over without their events: recorded and counted by the adapter. */
export interface SkippedGap {
  from: number;
  to: number;
  reason: "dead_letter" | "bound" | "overflow";
}

export interface Admitted {
  order: SeqOrder;
  /** Events now ready, in seq order (a duplicate or late event of a passed seq at once). */
  ready: MachineInput[];
  skipped: SkippedGap[];
}

/** Admits one arriving event; returns the events now ready, in seq order. ref_machine passes at once. */
export function admitInOrder(order: SeqOrder, event: MachineInput, clock?: OrderClock): Admitted {
  if (event.kind === "ref_machine") return { order, ready: [event], skipped: [] };
  const arrived = clock === undefined ? order : { ...order, arrivedAt: laterOf(order.arrivedAt, clock.at) };
  if (arrived.reserved.includes(event.seq)) {
    return {
      order: { ...arrived, reserved: arrived.reserved.filter((s) => s !== event.seq) },
      ready: [event],
      skipped: [],
    };
  }
  // A duplicate, a very late event, or one of a skipped seq: the domain decides.
  if (event.seq < arrived.next) return { order: arrived, ready: [event], skipped: [] };
  return drain(arrived, insertBySeq(arrived.held, event), clock);
}

/** The gateway dead-lettered this seq: it will not come, so it does not block. */
export function markDead(order: SeqOrder, seq: number, clock?: OrderClock): Admitted {
  const dead = order.dead ?? [];
  if (seq < order.next || dead.includes(seq) || order.held.some((e) => seqOf(e) === seq))
    return { order, ready: [], skipped: [] };
  return drain({ ...order, dead: [...dead, seq].sort((a, b) => a - b) }, order.held, clock);
}

/** On the live timer: releases events that have waited past the bound (no new event needed). */
export function releaseOverdue(order: SeqOrder, clock: OrderClock): Admitted {
  if (order.held.length === 0) return { order, ready: [], skipped: [] };
  return drain(order, order.held, clock);
}

function drain(order: SeqOrder, held: MachineInput[], clock: OrderClock | undefined): Admitted {
  let next = order.next;
  let reserved = order.reserved;
  let dead = order.dead ?? [];
  const ready: MachineInput[] = [];
  const skipped: SkippedGap[] = [];
  let rest = held;
  const skip = (from: number, to: number, reason: SkippedGap["reason"]) => {
    const last = skipped[skipped.length - 1];
    if (last !== undefined && last.reason === reason && last.to === from - 1) last.to = to;
    else skipped.push({ from, to, reason });
  };
  const advance = () => {
    for (;;) {
      if (reserved.includes(next)) next++;
      else if (dead.includes(next)) skip(next, next++, "dead_letter");
      else break;
    }
    for (;;) {
      const head = rest[0];
      if (head === undefined || seqOf(head) > next) break;
      rest = rest.slice(1);
      ready.push(head);
      if (seqOf(head) < next) continue; // a duplicate of an applied seq
      next = seqOf(head) + 1;
      if (head.kind === "status" && head.state === "online") reserved = [...reserved, next].slice(-64);
      while (reserved.includes(next) || dead.includes(next)) {
        if (dead.includes(next)) skip(next, next, "dead_letter");
        next++;
      }
    }
  };
  advance();
  const overflow = rest[0];
  if (rest.length > MAX_HELD && overflow !== undefined) {
    skip(next, seqOf(overflow) - 1, "overflow");
    next = seqOf(overflow);
    advance();
  }
  const progressed = next > order.next || order.held.length === 0;
  let waitingSince =
    rest.length === 0 ? null : progressed ? (clock?.at ?? null) : (order.waitingSince ?? clock?.at ?? null);
  const head = rest[0];
  if (
    head !== undefined &&
    clock !== undefined &&
    waitingSince !== null &&
    ms(clock.at) - ms(waitingSince) >= clock.boundMs
  ) {
    skip(next, seqOf(head) - 1, "bound");
    next = seqOf(head);
    advance();
    waitingSince = rest.length === 0 ? null : clock.at;
  }
  dead = dead.filter((s) => s >= next);
  return { order: { ...order, next, held: rest, reserved, dead, waitingSince }, ready, skipped };
}

function laterOf(a: string | null | undefined, b: string): string {
  return a == null || ms(b) > ms(a) ? b : a;
}

const seqOf = (x: MachineInput): number => (x as { seq: number }).seq;

function insertBySeq(list: readonly MachineInput[], e: MachineInput): MachineInput[] {
  const i = list.findIndex((x) => seqOf(x) > seqOf(e));
  return i < 0 ? [...list, e] : [...list.slice(0, i), e, ...list.slice(i)];
}
