/**
 * Waiting until what a person is about to read is current (docs/architecture.md §Invariants, invariant 7): every
 * durable consumer of the events, dead-letter and alerts streams has reached its stream's head,
 * every derived publication (restock plans, the funder publication) is fresh, and the heads have
 * stopped moving for a moment (a gateway may still be publishing what the broker holds). Pure:
 * the probe, the clock and the sleep are passed in.
 */

/** A durable consumer that must exist on the server and be at its stream's head (settle/expected.ts). */
export interface ExpectedConsumer {
  stream: string;
  consumer: string;
}

/** One durable consumer's distance from the head of its stream (its filter's messages only). */
export interface ConsumerLag {
  stream: string;
  consumer: string;
  /** Messages not yet delivered plus delivered and not acknowledged (a service acknowledges only after it committed). */
  behind: number;
  /** A position is committed in the database but the server has no such consumer: the service is not running. */
  missing?: boolean;
}

/** Work derived from the committed data that is not written yet (restock plans, the funder publication). */
export interface PublicationLag {
  name: string;
  /** How many are stale (plans), or revisions behind (publication). */
  behind: number;
}

export interface SettleSnapshot {
  consumers: ConsumerLag[];
  publications: PublicationLag[];
  /** Last sequence of each stream found on the server: while they move, something upstream is still publishing. */
  heads: Record<string, number>;
  /**
   * Events the stock service acknowledged in the stream but holds behind a machine's seq gap (at
   * most GAP_BOUND_SECONDS): read from the stream they are "reached", but no figure shows them yet.
   */
  held?: number;
}

export interface SettleOptions {
  probe: () => Promise<SettleSnapshot>;
  /** Wall clock, ms. */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  timeoutMs: number;
  /** Consumers that must exist and reach the head: one absent from the server is never settled. */
  expected?: readonly ExpectedConsumer[];
  /** Streams that must exist (events, dead letters): one the server does not have is an error at once. */
  requiredStreams?: readonly string[];
  /** How long the heads must stay still with nothing behind (default 3 s). */
  quietMs?: number;
  pollMs?: number;
  onProgress?: (s: SettleSnapshot, waitedMs: number) => void;
}

/** The deadline passed with something still behind: what a person must not read as current. */
export class SettleTimeoutError extends Error {
  constructor(
    readonly timeoutMs: number,
    readonly behind: string[],
    options?: { cause?: unknown },
  ) {
    super(
      `not caught up after ${Math.round(timeoutMs / 1000)} s, so no figure is printed (it would be stale): ${
        behind.length > 0 ? behind.join("; ") : "the streams were still growing"
      }`,
      options,
    );
    this.name = "SettleTimeoutError";
  }
}

/**
 * A stream the summary must read positions on is not on the server (a wrong --nats-url, a renamed
 * stream): nothing can be said to be current, and waiting will not change that.
 */
export class SettleStreamMissingError extends Error {
  constructor(
    readonly streams: string[],
    options?: { cause?: unknown },
  ) {
    super(
      `stream${streams.length === 1 ? "" : "s"} ${streams.join(", ")} not found on the NATS server, so no figure can be said to be current: is --nats-url the pipeline's server, and are EVENTS_STREAM/DEAD_STREAM the defaults?`,
      options,
    );
    this.name = "SettleStreamMissingError";
  }
}

/** Throws SettleStreamMissingError when a required stream is absent from the snapshot's heads. */
export function checkStreams(s: SettleSnapshot, required: readonly string[]): void {
  const missing = required.filter((r) => !(r in s.heads));
  if (missing.length > 0) throw new SettleStreamMissingError(missing);
}

/**
 * The snapshot's consumers plus every expected one the server does not have (marked missing), so
 * a service never started is as visible as one that lags.
 */
export function withExpected(s: SettleSnapshot, expected: readonly ExpectedConsumer[]): ConsumerLag[] {
  const known = new Set(s.consumers.map((c) => `${c.stream}/${c.consumer}`));
  const absent = expected
    .filter((e) => !known.has(`${e.stream}/${e.consumer}`))
    .map((e) => ({ ...e, behind: s.heads[e.stream] ?? 0, missing: true }));
  return [...s.consumers, ...absent].sort(byName);
}

/** What is still behind, one phrase each, in a stable order (empty when everything has caught up). */
export function laggards(s: SettleSnapshot, expected: readonly ExpectedConsumer[] = []): string[] {
  const out: string[] = [];
  for (const c of withExpected(s, expected))
    if (c.missing)
      out.push(
        `${c.consumer} (${c.stream}) has no consumer on the server (head at ${s.heads[c.stream] ?? "?"}): is the service running?`,
      );
    else if (c.behind > 0)
      out.push(`${c.consumer} (${c.stream}) is ${c.behind} message${c.behind === 1 ? "" : "s"} behind`);
  if ((s.held ?? 0) > 0)
    out.push(
      `stock holds ${s.held} event${s.held === 1 ? "" : "s"} behind machines' seq gaps (applied within GAP_BOUND_SECONDS)`,
    );
  for (const p of s.publications) if (p.behind > 0) out.push(`${p.name}: ${p.behind} behind`);
  return out;
}

/** One line per consumer and publication with its lag, for a progress display. */
export function progressLines(
  s: SettleSnapshot,
  waitedMs: number,
  expected: readonly ExpectedConsumer[] = [],
): string[] {
  const consumers = withExpected(s, expected);
  const width = Math.max(
    8,
    ...consumers.map((c) => c.consumer.length),
    ...s.publications.map((p) => p.name.length),
  );
  const lines = [`waiting for every consumer to reach the stream's head (${Math.round(waitedMs / 1000)} s)`];
  for (const c of consumers)
    lines.push(
      `  ${c.consumer.padEnd(width)} ${c.stream.padEnd(16)} ${c.missing ? "not running" : c.behind === 0 ? "at head" : `${c.behind} behind`}`,
    );
  if (s.held !== undefined)
    lines.push(
      `  ${"stock held".padEnd(width)} ${"seq gaps".padEnd(16)} ${s.held === 0 ? "none" : `${s.held} behind`}`,
    );
  for (const p of s.publications)
    lines.push(
      `  ${p.name.padEnd(width)} ${"".padEnd(16)} ${p.behind === 0 ? "fresh" : `${p.behind} behind`}`,
    );
  return lines;
}

/**
 * Polls until nothing is behind and the heads have not moved for `quietMs`; resolves with the
 * last snapshot. Throws SettleTimeoutError naming what is behind once `timeoutMs` has passed.
 */
export async function waitUntilSettled(o: SettleOptions): Promise<SettleSnapshot> {
  const quietMs = o.quietMs ?? 3_000;
  const pollMs = o.pollMs ?? 500;
  const started = o.now();
  let heads = "";
  let stillSince = started;
  for (;;) {
    const s = await o.probe();
    checkStreams(s, o.requiredStreams ?? []);
    const now = o.now();
    const h = JSON.stringify(Object.entries(s.heads).sort(([a], [b]) => (a < b ? -1 : 1)));
    if (h !== heads) {
      heads = h;
      stillSince = now;
    }
    o.onProgress?.(s, now - started);
    const behind = laggards(s, o.expected ?? []);
    if (behind.length === 0 && now - stillSince >= quietMs) return s;
    if (now - started >= o.timeoutMs) throw new SettleTimeoutError(o.timeoutMs, behind);
    await o.sleep(pollMs);
  }
}

const byName = (a: ConsumerLag, b: ConsumerLag) =>
  a.stream === b.stream ? (a.consumer < b.consumer ? -1 : 1) : a.stream < b.stream ? -1 : 1;
