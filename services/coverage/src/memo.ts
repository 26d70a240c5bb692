import { createHash } from "node:crypto";
import type { SuppressionMemo } from "./domain";

/** One year's remembered pattern: the SHA-256 of its whole input and the hidden cells' keys. */
export type MemoEntry = [year: string, digest: string, hidden: readonly string[]];

export interface YearMemo extends SuppressionMemo {
  entries(): MemoEntry[];
  load(...entry: MemoEntry): void;
}

/**
 * The publisher's memory of each year's last pattern, keyed by a SHA-256 of the year's whole
 * input: one entry per year (32 bytes and the hidden cells' keys), so a round solves only the
 * years whose figures or thresholds changed (in practice the current one) instead of every year
 * of the history. `entries()` and the constructor carry it into and out of the round's worker.
 */
export function yearMemo(from: readonly MemoEntry[] = []): YearMemo {
  const years = new Map<string, { digest: string; hidden: readonly string[] }>(
    from.map(([year, digest, hidden]) => [year, { digest, hidden }]),
  );
  const digest = (input: string) => createHash("sha256").update(input).digest("base64");
  return {
    get: (year, input) => {
      const e = years.get(year);
      return e !== undefined && e.digest === digest(input) ? e.hidden : undefined;
    },
    set: (year, input, hidden) => void years.set(year, { digest: digest(input), hidden }),
    load: (year, digest, hidden) => void years.set(year, { digest, hidden }),
    entries: () => [...years].map(([year, e]) => [year, e.digest, e.hidden]),
  };
}
