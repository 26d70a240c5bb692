import { describe, expect, it } from "vitest";
import { machineEvents } from "../../test/events";
import { alertPolicy } from "./alert-policy";
import { deviceNow, liveTick } from "./live-tick";
import { initialMachineState, type MachineState } from "./machine-state";
import { processMachineEvent } from "./process-machine-event";
import { admitInOrder, NEW_SEQ_ORDER, type SeqOrder } from "./seq-order";

const m = machineEvents("m1");
const policy = alertPolicy({ silenceMinutes: 15, lotExpiringDays: 30 });
const BOUND = 5 * 60_000;

/** Feeds events as the adapter does: admitted in seq order on the stream clock, then applied. */
function feed(events: { e: Parameters<typeof admitInOrder>[1]; arrived: string }[]) {
  let order: SeqOrder = NEW_SEQ_ORDER;
  let machine: MachineState = initialMachineState("m1");
  for (const { e, arrived } of events) {
    const r = admitInOrder(order, e, { at: arrived, boundMs: BOUND });
    order = r.order;
    for (const x of r.ready) machine = processMachineEvent(machine, x, policy).state;
  }
  return { machine, order };
}

describe("liveTick", () => {
  // Device clock (test/events.ts) and the stream's clock differ: the machine's clock runs days behind.
  const online = m.online(1, "08:00");
  const hb = m.heartbeat(3, "08:05");
  const streamAt = (min: number) => new Date(Date.UTC(2026, 10, 1, 12, min)).toISOString();
  const fed = feed([
    { e: online, arrived: streamAt(0) },
    { e: hb, arrived: streamAt(5) },
  ]);

  it("given the machine's clock is elsewhere, then its clock now is its last device time plus the real time since that event reached the stream", () => {
    const now = deviceNow(fed.machine, fed.order, streamAt(17)) as string;
    expect(Date.parse(now) - Date.parse(hb.deviceTime)).toBe(12 * 60_000);
  });

  it("given a connected machine that says nothing, when the silence limit passes on the real clock, then offline is raised at its last sign of life", () => {
    expect(liveTick(fed, streamAt(20), policy, BOUND).alerts).toEqual([]);
    const t = liveTick(fed, streamAt(21), policy, BOUND);
    expect(t.alerts).toEqual([
      expect.objectContaining({ command: "raise", type: "offline", at: hb.deviceTime }),
    ]);
    expect(t.changed).toBe(true);
    expect(t.state.connection.status).toBe("offline");
  });

  it("given a machine already offline (its will), then the timer changes nothing", () => {
    const gone = feed([
      { e: online, arrived: streamAt(0) },
      { e: hb, arrived: streamAt(5) },
      { e: m.will(2, "08:00"), arrived: streamAt(6) },
    ]);
    const t = liveTick(gone, streamAt(600), policy, BOUND);
    expect(t.alerts).toEqual([]);
    expect(t.changed).toBe(false);
  });

  it("given events held behind a lost seq, when the bound passes with no new event, then the timer applies them and reports the gap", () => {
    const held = feed([
      { e: online, arrived: streamAt(0) },
      { e: m.heartbeat(4, "08:06"), arrived: streamAt(1) },
    ]);
    expect(held.machine.health).toBeNull();
    expect(liveTick(held, streamAt(5), policy, BOUND).skipped).toEqual([]);
    const t = liveTick(held, streamAt(6), policy, BOUND);
    expect(t.skipped).toEqual([{ from: 3, to: 3, reason: "bound" }]);
    expect(t.state.health?.seq).toBe(4);
    expect(t.order.held).toEqual([]);
  });
});
