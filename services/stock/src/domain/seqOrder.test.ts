import { EXAMPLES, type MachineEvent } from "@hrvend/schemas";
import { describe, expect, it } from "vitest";
import type { MachineInput } from "./evolveMachine";
import { admitInOrder, NEW_SEQ_ORDER, type SeqOrder } from "./seqOrder";

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
