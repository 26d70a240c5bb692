import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Channel } from "./channels/channel";
import { retryAfterMs } from "./domain";
import type { NotifierMetrics } from "./metrics";
import type { NotifierDatabase } from "./store/db";
import { claimNext, markFailedTry, markSent, outboxCounts } from "./store/outbox";

export interface SenderDeps {
  db: Kysely<NotifierDatabase>;
  channels: { email?: Channel; webhook: Channel };
  log: Logger;
  metrics: NotifierMetrics;
  maxTries: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  batch: number;
}

/**
 * Sends what is due at `now`, one message at a time: claim it (its try counted and the next one
 * scheduled, committed), send, then mark sent. Between the other side accepting and the mark, a
 * crash leaves the row to be sent again with the same Message-ID / Idempotency-Key (at least once,
 * recognisably the same); the messages not yet claimed keep all their tries.
 */
export async function sendRound(d: SenderDeps, now: Date): Promise<number> {
  const backoff = (n: number) => retryAfterMs(n, d.retryBaseSeconds, d.retryMaxSeconds);
  let sent = 0;
  for (let i = 0; i < d.batch; i++) {
    const m = await claimNext(d.db, now, d.maxTries, backoff);
    if (m === undefined) break;
    const channel = m.channel === "email" ? d.channels.email : d.channels.webhook;
    try {
      if (channel === undefined) throw new Error("no SMTP_URL configured for e-mail");
      await channel.send(m);
      await markSent(d.db, m.id, new Date());
      d.metrics.deliveries.inc({ channel: m.channel, outcome: "sent" });
      sent++;
    } catch (err) {
      const giveUp = m.attempts >= d.maxTries;
      const error = err instanceof Error ? err.message : String(err);
      await markFailedTry(d.db, m.id, error, giveUp);
      d.metrics.deliveries.inc({ channel: m.channel, outcome: giveUp ? "failed" : "retry" });
      d.log.warn(
        { stepKey: m.stepKey, channel: m.channel, attempts: m.attempts, error, givenUp: giveUp },
        giveUp ? "delivery failed for the last time; given up" : "delivery failed; will retry with backoff",
      );
    }
  }
  d.metrics.outbox.reset();
  for (const c of await outboxCounts(d.db))
    d.metrics.outbox.set({ channel: c.channel, status: c.status }, c.n);
  return sent;
}
