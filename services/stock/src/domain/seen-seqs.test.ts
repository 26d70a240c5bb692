import { describe, expect, it } from "vitest";
import { hasSeen, markSeen, NO_SEQS_SEEN, reserveSeq, type SeenSeqs } from "./seen-seqs";

const see = (s: SeenSeqs, ...seqs: number[]) => seqs.reduce(markSeen, s);

describe("seenSeqs", () => {
  it("given seqs 1..3 seen, then each is a duplicate and 4 is new; the set stays compact", () => {
    const s = see(NO_SEQS_SEEN, 1, 2, 3);
    expect([1, 2, 3].map((q) => hasSeen(s, q))).toEqual([true, true, true]);
    expect(hasSeen(s, 4)).toBe(false);
    expect(s).toEqual({ upTo: 3, above: [], open: [] });
  });

  it("given a birth (seq 1) that reserved seq 2 for its will, when 3..5 arrive first, then the will is still new once, then a duplicate", () => {
    let s = reserveSeq(see(NO_SEQS_SEEN, 1), 2);
    s = see(s, 3, 4, 5);
    expect(s.upTo).toBe(5);
    expect(hasSeen(s, 2)).toBe(false);
    s = markSeen(s, 2);
    expect(hasSeen(s, 2)).toBe(true);
    expect(s).toEqual({ upTo: 5, above: [], open: [] });
  });

  it("given events arriving out of order, then holes are remembered until they fill", () => {
    let s = see(NO_SEQS_SEEN, 1, 3, 5);
    expect(s).toEqual({ upTo: 1, above: [3, 5], open: [] });
    expect(hasSeen(s, 2)).toBe(false);
    s = see(s, 2, 4);
    expect(s).toEqual({ upTo: 5, above: [], open: [] });
  });

  it("given a state started mid-stream (seq 1 never comes), then what it remembers stays bounded", () => {
    let s = NO_SEQS_SEEN;
    for (let q = 2; q <= 3000; q++) s = markSeen(s, q);
    expect(s.above.length).toBeLessThanOrEqual(1000);
    expect(hasSeen(s, 3000)).toBe(true);
    expect(hasSeen(s, 3001)).toBe(false);
  });
});
