import { describe, expect, it } from "vitest";
import { EventQueue } from "./event-queue";

describe("EventQueue", () => {
  it("given actions at mixed times, when popped, then they run by time and ties in scheduling order", () => {
    const q = new EventQueue();
    const ran: string[] = [];
    for (const [t, name] of [
      [5, "e"],
      [1, "a"],
      [3, "c1"],
      [3, "c2"],
      [2, "b"],
      [3, "c3"],
    ] as const)
      q.schedule(t, () => ran.push(name));
    while (q.size > 0) q.pop()?.action();
    expect(ran).toEqual(["a", "b", "c1", "c2", "c3", "e"]);
  });

  it("given an empty queue, then peekTime is Infinity and pop returns undefined", () => {
    const q = new EventQueue();
    expect(q.peekTime()).toBe(Number.POSITIVE_INFINITY);
    expect(q.pop()).toBeUndefined();
  });
});
