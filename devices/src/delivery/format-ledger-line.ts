import type { LedgerFact } from "../sim/ledger-fact";

/** One ledger line: `{"t":<UTC ISO>,...fact,"event":<payload>}`; deterministic (fixed key order). */
export function formatLedgerLine(t: number, fact: LedgerFact, eventPayload?: string): string {
  const body = JSON.stringify(fact);
  const iso = new Date(t).toISOString();
  return eventPayload === undefined
    ? `{"t":"${iso}",${body.slice(1)}`
    : `{"t":"${iso}",${body.slice(1, -1)},"event":${eventPayload}}`;
}
