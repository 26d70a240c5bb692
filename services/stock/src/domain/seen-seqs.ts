/**
 * Which seqs of one machine have been applied, so a duplicate (same key) changes nothing.
 * Every seq ≤ `upTo` and every seq in `above` was seen, except those in `open`: seqs a birth
 * message reserved for its will, which arrives later than higher seqs (devices/README.md).
 * Plain JSON, so it is stored with the rest of the machine's state.
 */
export interface SeenSeqs {
  upTo: number;
  above: number[];
  open: number[];
}

export const NO_SEQS_SEEN: SeenSeqs = { upTo: 0, above: [], open: [] };

/**
 * Holes that never fill (a state started mid-stream) would grow `above` forever: past this size
 * the watermark jumps over them, and a very late arrival in such a hole counts as a duplicate.
 */
const MAX_ABOVE = 1000;
/** Reserved seqs whose will never came (a connection the broker replaced silently); the oldest are dropped. */
const MAX_OPEN = 64;

export function hasSeen(s: SeenSeqs, seq: number): boolean {
  if (s.open.includes(seq)) return false;
  return seq <= s.upTo || s.above.includes(seq);
}

export function markSeen(s: SeenSeqs, seq: number): SeenSeqs {
  if (s.open.includes(seq)) return { ...s, open: s.open.filter((x) => x !== seq) };
  if (hasSeen(s, seq)) return s;
  return compact({ ...s, above: insertSorted(s.above, seq) });
}

/** A birth (status online, seq n) reserves n + 1 for its will: the watermark may pass it, the will still counts as new. */
export function reserveSeq(s: SeenSeqs, seq: number): SeenSeqs {
  if (hasSeen(s, seq) || seq <= s.upTo) return s;
  return compact({
    upTo: s.upTo,
    above: insertSorted(s.above, seq),
    open: [...s.open, seq].slice(-MAX_OPEN),
  });
}

function compact(s: SeenSeqs): SeenSeqs {
  const above = s.above;
  let upTo = s.upTo;
  if (above.length > MAX_ABOVE) upTo = Math.max(upTo, above[0]! - 1);
  let i = 0;
  while (above[i] === upTo + 1) {
    upTo++;
    i++;
  }
  return { upTo, above: above.slice(i), open: s.open };
}

function insertSorted(list: readonly number[], x: number): number[] {
  const i = list.findIndex((y) => y > x);
  return i < 0 ? [...list, x] : [...list.slice(0, i), x, ...list.slice(i)];
}
