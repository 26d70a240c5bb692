import { describe, expect, it } from "vitest";
import { laggards, progressLines, type SettleSnapshot, SettleTimeoutError, waitUntilSettled } from "./settle";

/** A fake clock that a sleep advances, and a probe that reads the snapshot due at that time. */
function world(at: (ms: number) => SettleSnapshot) {
  let now = 0;
  const seen: number[] = [];
  return {
    seen,
    opts: {
      probe: async () => {
        seen.push(now);
        return at(now);
      },
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
    },
  };
}

const snap = (
  behind: Record<string, number>,
  head = 100,
  publications: Record<string, number> = {},
): SettleSnapshot => ({
  consumers: Object.entries(behind).map(([consumer, n]) => ({ stream: "HR_EVENTS", consumer, behind: n })),
  publications: Object.entries(publications).map(([name, n]) => ({ name, behind: n })),
  heads: { HR_EVENTS: head },
});

describe("waitUntilSettled", () => {
  it("given every consumer at the head and still heads, then it returns only after the quiet period", async () => {
    const w = world(() => snap({ recorder: 0, stock: 0 }));
    await waitUntilSettled({ ...w.opts, timeoutMs: 60_000, quietMs: 3_000, pollMs: 500 });
    expect(w.seen.at(-1)).toBe(3_000);
  });

  it("given a consumer that catches up at 10 s while the head moved until 4 s, then it waits for both", async () => {
    const w = world((t) => snap({ recorder: 0, stock: t < 10_000 ? 500 : 0 }, Math.min(t, 4_000)));
    const s = await waitUntilSettled({ ...w.opts, timeoutMs: 60_000, quietMs: 3_000, pollMs: 500 });
    expect(w.seen.at(-1)).toBe(10_000);
    expect(laggards(s)).toEqual([]);
  });

  it("given the heads keep moving although every consumer keeps up, then it does not call that settled", async () => {
    const w = world((t) => snap({ stock: 0 }, t));
    await expect(waitUntilSettled({ ...w.opts, timeoutMs: 20_000 })).rejects.toThrow(/still growing/);
  });

  it("given a stopped service, then after the deadline it fails naming the consumer and its lag, and says no figure is printed", async () => {
    const w = world(() => snap({ recorder: 0, "stock-p3": 1234 }));
    const err = await waitUntilSettled({ ...w.opts, timeoutMs: 30_000, pollMs: 1_000 }).catch((e) => e);
    expect(err).toBeInstanceOf(SettleTimeoutError);
    expect(err.message).toBe(
      "not caught up after 30 s, so no figure is printed (it would be stale): stock-p3 (HR_EVENTS) is 1234 messages behind",
    );
    expect(w.seen.at(-1)).toBe(30_000);
  });

  it("given a stale restock plan or funder publication, then it is not settled", async () => {
    const w = world((t) =>
      snap({ stock: 0 }, 100, { "restock plans": t < 5_000 ? 2 : 0, "funder publication": 1 }),
    );
    const err = await waitUntilSettled({ ...w.opts, timeoutMs: 10_000 }).catch((e) => e);
    expect(err.behind).toEqual(["funder publication: 1 behind"]);
  });

  it("given a committed position without a consumer on the server, then that service is named as not running", () => {
    const s: SettleSnapshot = {
      consumers: [{ stream: "HR_DEAD_LETTERS", consumer: "recorder-dead", behind: 0, missing: true }],
      publications: [],
      heads: {},
    };
    expect(laggards(s)).toEqual([
      "recorder-dead (HR_DEAD_LETTERS) has a committed position but no consumer on the server: is the service running?",
    ]);
    expect(progressLines(s, 1_500)[1]).toMatch(/recorder-dead +HR_DEAD_LETTERS +not running/);
  });
});
