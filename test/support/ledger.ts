import { readFileSync } from "node:fs";
import type { LedgerFact } from "@hrvend/devices";

export type Fact = LedgerFact & { t: string };
export interface Period {
  start: number;
  end: number | null;
}

/** Every fact of a ground-truth ledger, in order. */
export function ledgerFacts(path: string): Fact[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Fact);
}

/** Start/end facts paired into periods per subject (e.g. per slot), in order. */
export function ledgerPeriods(
  facts: readonly Fact[],
  start: string,
  end: string,
  subject: (f: Fact) => string,
): Map<string, Period[]> {
  const out = new Map<string, Period[]>();
  for (const f of facts) {
    if (f.fact !== start && f.fact !== end) continue;
    const list = out.get(subject(f)) ?? [];
    if (f.fact === start) list.push({ start: Date.parse(f.t), end: null });
    else {
      const open = list.at(-1);
      if (!open || open.end !== null) throw new Error(`${end} without ${start}: ${JSON.stringify(f)}`);
      open.end = Date.parse(f.t);
    }
    out.set(subject(f), list);
  }
  return out;
}
