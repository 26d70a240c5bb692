import type { MachineInput } from "./evolveMachine";

/**
 * Puts a machine's events back in seq order. A shared MQTT subscription spreads one machine's
 * messages over several gateway connections, so they reach the stream out of order (by up to
 * the gateways' in-flight windows); DOMAIN.md's stock figures are defined in per-machine seq
 * order. Events are held until the gap before them fills. A birth (status online, seq n)
 * reserves n + 1 for its will, which comes whenever the connection ends: that seq never blocks,
 * and the will is applied when it arrives. Plain JSON, stored with the machine's state.
 */
export interface SeqOrder {
  /** The next seq to apply. */
  next: number;
  /** Events that came early, by seq. */
  held: MachineInput[];
  /** Seqs reserved for wills (skipped by `next`, applied on arrival). */
  reserved: number[];
}

export const NEW_SEQ_ORDER: SeqOrder = { next: 1, held: [], reserved: [] };

/**
 * Past this many held events the gap is given up on (an event lost before the stream, or a
 * state started mid-stream): ordering resumes at the lowest held seq. Deterministic, so a
 * rebuild from the stream takes the same decisions.
 */
export const MAX_HELD = 20_000;

/** Admits one arriving event; returns the events now ready, in seq order. ref_machine passes at once. */
export function admitInOrder(
  order: SeqOrder,
  event: MachineInput,
): { order: SeqOrder; ready: MachineInput[] } {
  if (event.kind === "ref_machine") return { order, ready: [event] };
  if (order.reserved.includes(event.seq)) {
    return { order: { ...order, reserved: order.reserved.filter((s) => s !== event.seq) }, ready: [event] };
  }
  if (event.seq < order.next) return { order, ready: [event] }; // a duplicate or a very late event: the domain decides
  const held = insertBySeq(order.held, event);
  let next = order.next;
  let reserved = order.reserved;
  const ready: MachineInput[] = [];
  let rest = held;
  if (rest.length > MAX_HELD) next = (rest[0] as MachineInput & { seq: number }).seq;
  for (;;) {
    while (reserved.includes(next)) next++;
    const head = rest[0] as (MachineInput & { seq: number }) | undefined;
    if (!head || head.seq > next) break;
    rest = rest.slice(1);
    if (head.seq < next) {
      ready.push(head); // a duplicate of an applied seq
      continue;
    }
    ready.push(head);
    next = head.seq + 1;
    if (head.kind === "status" && head.state === "online") reserved = [...reserved, head.seq + 1].slice(-64);
  }
  return { order: { next, held: rest, reserved }, ready };
}

function insertBySeq(list: readonly MachineInput[], e: MachineInput): MachineInput[] {
  const seq = (x: MachineInput) => (x as { seq: number }).seq;
  const i = list.findIndex((x) => seq(x) > seq(e));
  return i < 0 ? [...list, e] : [...list.slice(0, i), e, ...list.slice(i)];
}
