const DAY_MS = 86_400_000;

export interface QuotaRule {
  itemId: string;
  max: number;
  windowDays: number;
}

/**
 * What a card remembers of its own use. The machine writes it to the card's memory at each
 * dispense, so the quota holds across every machine of the prison even while they are offline.
 */
export interface QuotaMemory {
  /** Per item, the times (ms) of recent dispensed units, oldest first. */
  quotaLog?: Map<string, number[]>;
}

export interface QuotaCheck {
  allowed: boolean;
  /** Units already taken in the current window. */
  used: number;
  /** The limit, or undefined when the item has no quota. */
  max: number | undefined;
}

/**
 * Per-card quotas over a rolling window (e.g. Trac-B: 2 kits per card per week; docs/domain.md): a
 * request is allowed when the units dispensed in (t − window, t] plus the request stay within max.
 */
export class QuotaPolicy {
  private readonly rules = new Map<string, { max: number; windowMs: number }>();

  constructor(rules: readonly QuotaRule[]) {
    for (const r of rules) this.rules.set(r.itemId, { max: r.max, windowMs: r.windowDays * DAY_MS });
  }

  check(card: QuotaMemory, itemId: string, t: number, quantity = 1): QuotaCheck {
    const rule = this.rules.get(itemId);
    if (rule === undefined) return { allowed: true, used: 0, max: undefined };
    const log = card.quotaLog?.get(itemId);
    let used = 0;
    if (log !== undefined) {
      const from = t - rule.windowMs;
      // Forget units that left the window for good; the log stays a few entries long.
      let drop = 0;
      while (drop < log.length && (log[drop] as number) <= from) drop++;
      if (drop > 0) log.splice(0, drop);
      used = log.length;
    }
    return { allowed: used + quantity <= rule.max, used, max: rule.max };
  }

  record(card: QuotaMemory, itemId: string, t: number, quantity = 1): void {
    if (!this.rules.has(itemId)) return;
    card.quotaLog ??= new Map();
    let log = card.quotaLog.get(itemId);
    if (log === undefined) {
      log = [];
      card.quotaLog.set(itemId, log);
    }
    for (let i = 0; i < quantity; i++) log.push(t);
  }
}
