import { EXAMPLES, type MachineEvent } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import type { MachineInput } from "./evolve-machine";
import { admitInOrder, markDead, NEW_SEQ_ORDER, releaseOverdue, type SeqOrder } from "./seq-order";

const hb = (seq: number): MachineEvent => ({ ...EXAMPLES.heartbeat, seq });
const online = (seq: number): MachineEvent => ({
  ...EXAMPLES.status,
  seq,
  state: "online",
  reason: "connect",
});
const will = (seq: number): MachineEvent => ({
  ...EXAMPLES.status,
  seq,
  state: "offline",
  reason: "connection_lost",
});

function feed(
  events: MachineInput[],
  start: SeqOrder = NEW_SEQ_ORDER,
): { order: SeqOrder; applied: number[] } {
  let order = start;
  const applied: number[] = [];
  for (const e of events) {
    const r = admitInOrder(order, e);
    order = r.order;
    applied.push(...r.ready.map((x) => (x as { seq: number }).seq));
  }
  return { order, applied };
}

describe("seq order", () => {
  it("given events shuffled by the gateways, then they come out in seq order", () => {
    const { applied, order } = feed([hb(3), hb(1), hb(4), hb(2), hb(6), hb(5)]);
    expect(applied).toEqual([1, 2, 3, 4, 5, 6]);
    expect(order.held).toEqual([]);
  });

  it("given a birth, then its reserved will seq does not block later events, and the will is applied when it comes", () => {
    const { applied } = feed([online(1), hb(3), hb(4), will(2)]);
    expect(applied).toEqual([1, 3, 4, 2]);
  });

  it("given a will that overtakes its birth, then it waits for the birth and passes right after it", () => {
    const { applied } = feed([will(2), hb(3), online(1)]);
    expect(applied).toEqual([1, 2, 3]);
  });

  it("given a duplicate of an applied seq, then it is passed on for the domain to ignore", () => {
    const { applied } = feed([hb(1), hb(2), hb(1)]);
    expect(applied).toEqual([1, 2, 1]);
  });

  it("given a registration, then it passes at once", () => {
    const r = admitInOrder({ ...NEW_SEQ_ORDER, next: 7 }, EXAMPLES.ref_machine);
    expect(r.ready).toEqual([EXAMPLES.ref_machine]);
  });
});

describe("seq order: a gap never blocks for longer than the bound", () => {
  const BOUND = 5 * 60_000;
  const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, minute)).toISOString();
  const clock = (minute: number) => ({ at: at(minute), boundMs: BOUND });
  const seqs = (r: { ready: MachineInput[] }) => r.ready.map((x) => (x as { seq: number }).seq);

  it("given a lost seq, then later events wait until the bound has passed on the stream clock, then pass in order and the gap is recorded", () => {
    let r = admitInOrder(NEW_SEQ_ORDER, hb(1), clock(0));
    r = admitInOrder(r.order, hb(3), clock(1));
    expect(seqs(r)).toEqual([]);
    r = admitInOrder(r.order, hb(4), clock(5)); // 4 min of waiting: still held
    expect(seqs(r)).toEqual([]);
    expect(r.skipped).toEqual([]);
    r = admitInOrder(r.order, hb(5), clock(6)); // 5 min since the gap began to block
    expect(seqs(r)).toEqual([3, 4, 5]);
    expect(r.skipped).toEqual([{ from: 2, to: 2, reason: "bound" }]);
    expect(r.order.held).toEqual([]);
    expect(r.order.next).toBe(6);
  });

  it("given device clocks far ahead or behind, then only the stream clock counts", () => {
    const late = { ...hb(3), deviceTime: "2020-01-01T00:00:00+02:00" };
    const ahead = { ...hb(4), deviceTime: "2030-01-01T00:00:00+02:00" };
    let r = admitInOrder(NEW_SEQ_ORDER, hb(1), clock(0));
    r = admitInOrder(r.order, late, clock(1));
    r = admitInOrder(r.order, ahead, clock(2));
    expect(seqs(r)).toEqual([]);
  });

  it("given nothing more arrives, then the live timer releases the held events once the bound has passed", () => {
    let r = admitInOrder(NEW_SEQ_ORDER, hb(1), clock(0));
    r = admitInOrder(r.order, hb(4), clock(1));
    expect(seqs(releaseOverdue(r.order, clock(5)))).toEqual([]);
    const released = releaseOverdue(r.order, clock(6));
    expect(seqs(released)).toEqual([4]);
    expect(released.skipped).toEqual([{ from: 2, to: 3, reason: "bound" }]);
  });

  it("given a dead-lettered seq, then it is skipped at once, before or after the later events arrive", () => {
    let r = admitInOrder(NEW_SEQ_ORDER, hb(1), clock(0));
    r = admitInOrder(r.order, hb(3), clock(0));
    const dead = markDead(r.order, 2, clock(0));
    expect(seqs(dead)).toEqual([3]);
    expect(dead.skipped).toEqual([{ from: 2, to: 2, reason: "dead_letter" }]);
    // Known before: the later event does not wait at all.
    const known = markDead(admitInOrder(NEW_SEQ_ORDER, hb(1), clock(0)).order, 2, clock(0));
    const after = admitInOrder(known.order, hb(3), clock(0));
    expect(seqs(after)).toEqual([3]);
    expect([...known.skipped, ...after.skipped]).toEqual([{ from: 2, to: 2, reason: "dead_letter" }]);
  });

  it("given an event of a skipped seq arriving after all, then it passes at once for the domain to apply late", () => {
    let r = admitInOrder(NEW_SEQ_ORDER, hb(1), clock(0));
    r = admitInOrder(r.order, hb(3), clock(0));
    r = releaseOverdue(r.order, clock(10));
    expect(r.order.next).toBe(4);
    const late = admitInOrder(r.order, hb(2), clock(11));
    expect(seqs(late)).toEqual([2]);
  });

  it("given a dead-lettered seq that was applied or is held, then nothing changes", () => {
    const r = admitInOrder(NEW_SEQ_ORDER, hb(1), clock(0));
    expect(markDead(r.order, 1, clock(0)).order).toBe(r.order);
    const held = admitInOrder(r.order, hb(3), clock(0));
    expect(markDead(held.order, 3, clock(0)).order).toBe(held.order);
  });

  it("given a rebuild whose stream starts mid-way (oldest events aged out), then the machine's events are applied after the bound, not held for ever", () => {
    let r = admitInOrder(NEW_SEQ_ORDER, hb(5001), clock(0));
    const applied: number[] = [];
    for (let i = 1; i <= 10; i++) {
      r = admitInOrder(r.order, hb(5001 + i), clock(i));
      applied.push(...seqs(r));
    }
    expect(applied).toEqual([5001, 5002, 5003, 5004, 5005, 5006, 5007, 5008, 5009, 5010, 5011]);
    expect(r.order.held).toEqual([]);
  });

  it("given progress fills part of a gap, then the wait starts again from that progress", () => {
    let r = admitInOrder(NEW_SEQ_ORDER, hb(1), clock(0));
    r = admitInOrder(r.order, hb(4), clock(0));
    r = admitInOrder(r.order, hb(2), clock(4)); // progress at minute 4; 3 still missing
    expect(seqs(r)).toEqual([2]);
    expect(seqs(releaseOverdue(r.order, clock(8)))).toEqual([]);
    expect(seqs(releaseOverdue(r.order, clock(9)))).toEqual([4]);
  });
});
