import { describe, expect, it } from "vitest";
import { expectedConsumers } from "./expected";
import {
  laggards,
  progressLines,
  type SettleSnapshot,
  SettleStreamMissingError,
  SettleTimeoutError,
  waitUntilSettled,
} from "./settle";

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
      "recorder-dead (HR_DEAD_LETTERS) has no consumer on the server (head at ?): is the service running?",
    ]);
    expect(progressLines(s, 1_500)[1]).toMatch(/recorder-dead +HR_DEAD_LETTERS +not running/);
  });

  it("given an 80,000-message head and only the recorder's consumer on the server, then it never settles and names every expected consumer that does not exist", async () => {
    const expected = expectedConsumers(0);
    const w = world(() => ({
      consumers: [
        { stream: "HR_EVENTS", consumer: "recorder", behind: 0 },
        { stream: "HR_DEAD_LETTERS", consumer: "recorder-dead", behind: 0 },
      ],
      publications: [],
      heads: { HR_EVENTS: 80_000, HR_DEAD_LETTERS: 0 },
    }));
    const err = await waitUntilSettled({ ...w.opts, expected, timeoutMs: 60_000 }).catch((e) => e);
    expect(err).toBeInstanceOf(SettleTimeoutError);
    expect(w.seen.at(-1)).toBe(60_000); // not after the 3 s quiet period
    for (const c of ["stock", "reorder", "coverage"])
      expect(err.message).toContain(
        `${c} (HR_EVENTS) has no consumer on the server (head at 80000): is the service running?`,
      );
    expect(err.message).toContain("stock-dead (HR_DEAD_LETTERS) has no consumer on the server");
    expect(err.message).not.toMatch(/\brecorder(-dead)? \(/);
  });

  it("given partitions, then every <service>-p<k> is expected and one missing partition is enough to stay unsettled", async () => {
    const expected = expectedConsumers(3);
    const names = expected.map((e) => `${e.stream}/${e.consumer}`).sort();
    expect(names).toEqual(
      [
        ...["recorder", "stock", "reorder", "coverage"].flatMap((c) =>
          [0, 1, 2].map((k) => `HR_EVENTS/${c}-p${k}`),
        ),
        "HR_DEAD_LETTERS/recorder-dead",
        "HR_DEAD_LETTERS/stock-dead",
      ].sort(),
    );
    const all = expected.filter((e) => e.consumer !== "coverage-p2").map((e) => ({ ...e, behind: 0 }));
    const w = world(() => ({
      consumers: all,
      publications: [],
      heads: { HR_EVENTS: 10, HR_DEAD_LETTERS: 2 },
    }));
    const err = await waitUntilSettled({ ...w.opts, expected, timeoutMs: 10_000 }).catch((e) => e);
    expect(err.behind).toEqual([
      "coverage-p2 (HR_EVENTS) has no consumer on the server (head at 10): is the service running?",
    ]);
    const ok = world(() => ({
      consumers: expected.map((e) => ({ ...e, behind: 0 })),
      publications: [],
      heads: { HR_EVENTS: 10, HR_DEAD_LETTERS: 2 },
    }));
    await waitUntilSettled({ ...ok.opts, expected, timeoutMs: 10_000 });
    expect(ok.seen.at(-1)).toBe(3_000);
  });

  it("given the events or dead-letter stream missing on the server, then it fails at once naming it", async () => {
    const w = world(() => ({ consumers: [], publications: [], heads: { HR_ALERTS: 4 } }));
    const err = await waitUntilSettled({
      ...w.opts,
      requiredStreams: ["HR_EVENTS", "HR_DEAD_LETTERS"],
      timeoutMs: 60_000,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(SettleStreamMissingError);
    expect(err.message).toMatch(/^streams HR_EVENTS, HR_DEAD_LETTERS not found on the NATS server/);
    expect(w.seen).toEqual([0]);
  });

  it("given stock holding events behind a seq gap although its consumer is at the head, then it is not settled until they are applied", async () => {
    const w = world((t) => ({ ...snap({ stock: 0 }), held: t < 8_000 ? 3 : 0 }));
    const s = await waitUntilSettled({ ...w.opts, timeoutMs: 60_000, pollMs: 1_000 });
    expect(w.seen.at(-1)).toBe(8_000);
    expect(laggards(s)).toEqual([]);
    expect(laggards({ ...snap({ stock: 0 }), held: 1 })).toEqual([
      "stock holds 1 event behind machines' seq gaps (applied within GAP_BOUND_SECONDS)",
    ]);
  });
});
