import { type Kysely, sql } from "kysely";
import type { OutboxRow } from "../domain";
import type { NotifierDatabase } from "./db";

/** Inserts a planned message unless its step key is there already (a second plan of the same step). */
export async function enqueue(trx: Kysely<NotifierDatabase>, rows: OutboxRow[]): Promise<number> {
  let added = 0;
  for (const r of rows) {
    const res = await sql`
      INSERT INTO notifier.outbox (step_key, alert_id, step, contact_id, channel, address, message_id, subject, body,
                                   payload, status, hold_until, next_attempt_at, created_at)
      VALUES (${r.stepKey}, ${r.alertId}, ${r.step}, ${r.contactId}, ${r.channel}, ${r.address}, ${r.messageId},
              ${r.subject}, ${r.body}, ${JSON.stringify(r.payload)}::jsonb, ${r.status}, ${r.holdUntil},
              ${r.nextAttemptAt}, ${r.createdAt})
      ON CONFLICT (step_key) DO NOTHING`.execute(trx);
    added += Number(res.numAffectedRows ?? 0);
  }
  return added;
}

export interface DueMessage {
  id: number;
  stepKey: string;
  channel: "email" | "webhook";
  address: string;
  messageId: string;
  subject: string;
  body: string;
  payload: Record<string, unknown>;
  attempts: number;
}

/**
 * Claims the next message due at `now`, just before it is sent: counts its try and moves its next
 * attempt to `now + backoff`, committed. A process killed while sending leaves that one row pending
 * (tried again, same Message-ID and idempotency key, once the backoff passes); the messages after it
 * in the round were not claimed, so no try of theirs is used up.
 */
export async function claimNext(
  db: Kysely<NotifierDatabase>,
  now: Date,
  maxTries: number,
  backoffMs: (attempts: number) => number,
): Promise<DueMessage | undefined> {
  return db.transaction().execute(async (trx) => {
    // Its last try was claimed but no outcome recorded (the process stopped while sending).
    await sql`
      UPDATE notifier.outbox SET status = 'failed',
        last_error = COALESCE(last_error, '') || ' (no outcome recorded for the last try: the notifier stopped while sending)'
      WHERE status = 'pending' AND attempts >= ${maxTries} AND next_attempt_at <= ${now}`.execute(trx);
    const r = await sql<{
      id: string;
      step_key: string;
      channel: "email" | "webhook";
      address: string;
      message_id: string;
      subject: string;
      body: string;
      payload: Record<string, unknown>;
      attempts: number;
    }>`
      SELECT id, step_key, channel, address, message_id, subject, body, payload, attempts FROM notifier.outbox
      WHERE status = 'pending' AND next_attempt_at <= ${now}
      ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`.execute(trx);
    const x = r.rows[0];
    if (x === undefined) return undefined;
    const attempts = x.attempts + 1;
    await sql`
      UPDATE notifier.outbox SET attempts = ${attempts}, next_attempt_at = ${new Date(now.getTime() + backoffMs(attempts))}
      WHERE id = ${x.id}`.execute(trx);
    return {
      id: Number(x.id),
      stepKey: x.step_key,
      channel: x.channel,
      address: x.address,
      messageId: x.message_id,
      subject: x.subject,
      body: x.body,
      payload: x.payload,
      attempts,
    };
  });
}

export async function markSent(db: Kysely<NotifierDatabase>, id: number, at: Date): Promise<void> {
  await sql`UPDATE notifier.outbox SET status = 'sent', sent_at = ${at}, last_error = NULL WHERE id = ${id}`.execute(
    db,
  );
}

/** A failed try: the error is kept; after the last allowed try the message is given up. */
export async function markFailedTry(
  db: Kysely<NotifierDatabase>,
  id: number,
  error: string,
  giveUp: boolean,
): Promise<void> {
  await sql`
    UPDATE notifier.outbox SET last_error = ${error.slice(0, 500)},
      status = CASE WHEN ${giveUp} THEN 'failed' ELSE status END
    WHERE id = ${id} AND status = 'pending'`.execute(db);
}

export interface HeldGroup {
  contactId: string;
  holdUntil: string;
  items: { stepKey: string; subject: string; payload: Record<string, unknown>; createdAt: string }[];
}

/** Messages held for quiet hours that have ended by `now`, by contact and end of the quiet hours. */
export async function heldDue(db: Kysely<NotifierDatabase>, now: Date): Promise<HeldGroup[]> {
  const r = await sql<{
    contact_id: string;
    hold_until: Date;
    step_key: string;
    subject: string;
    payload: Record<string, unknown>;
    created_at: Date;
  }>`
    SELECT contact_id, hold_until, step_key, subject, payload, created_at FROM notifier.outbox
    WHERE status = 'held' AND hold_until <= ${now} ORDER BY contact_id, hold_until, created_at, step_key`.execute(
    db,
  );
  const groups = new Map<string, HeldGroup>();
  for (const x of r.rows) {
    const holdUntil = x.hold_until.toISOString();
    const k = `${x.contact_id}|${holdUntil}`;
    let g = groups.get(k);
    if (!g) {
      g = { contactId: x.contact_id, holdUntil, items: [] };
      groups.set(k, g);
    }
    g.items.push({
      stepKey: x.step_key,
      subject: x.subject,
      payload: x.payload,
      createdAt: x.created_at.toISOString(),
    });
  }
  return [...groups.values()];
}

/** The held messages go out inside the digest: marked in the transaction that enqueues it. */
export async function markDigested(
  trx: Kysely<NotifierDatabase>,
  stepKeys: string[],
  digestKey: string,
): Promise<void> {
  for (const k of stepKeys)
    await sql`UPDATE notifier.outbox SET status = 'digested', digest_key = ${digestKey}
              WHERE step_key = ${k} AND status = 'held'`.execute(trx);
}

/** Held messages whose contact is no longer in the rules: given up, with the reason. */
export async function dropHeld(
  trx: Kysely<NotifierDatabase>,
  stepKeys: string[],
  reason: string,
): Promise<void> {
  for (const k of stepKeys)
    await sql`UPDATE notifier.outbox SET status = 'failed', last_error = ${reason}
              WHERE step_key = ${k} AND status = 'held'`.execute(trx);
}

/** Messages by status, for the gauge operators watch. */
export async function outboxCounts(
  db: Kysely<NotifierDatabase>,
): Promise<{ channel: string; status: string; n: number }[]> {
  const r = await sql<{ channel: string; status: string; n: string }>`
    SELECT channel, status, count(*) AS n FROM notifier.outbox GROUP BY 1, 2`.execute(db);
  return r.rows.map((x) => ({ ...x, n: Number(x.n) }));
}
